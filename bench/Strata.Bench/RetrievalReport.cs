using System.Text.Json;

namespace Strata.Bench;

/// <param name="Pages">Pages stored (those whose text could not be extracted are in <paramref name="Failed"/>).</param>
/// <param name="MaxTokens">The chunk budget ingestion used, in the embedder's tokens (approximate words without one).</param>
internal sealed record IngestionFigures(string Store, int Pages, int Failed, long Characters, int Chunks, int MaxTokens, double Seconds)
{
    public double PagesPerSecond => Pages / Seconds;

    public double ChunksPerSecond => Chunks / Seconds;
}

/// <param name="Ceiling">Fraction of questions whose sentence some chunk of the store holds whole: no ranking beats it.</param>
internal sealed record QualityFigures(string Mode, string Store, double RecallAt1, double RecallAt5, double MrrAt10, double Ceiling);

/// <summary>Milliseconds per query, one at a time and with 8 concurrent streams, and the queries per second each gave.</summary>
internal sealed record LatencyFigures(string Mode, double IdleMedianMs, double IdleP95Ms, double IdleQueriesPerSecond,
    double LoadedMedianMs, double LoadedP95Ms, double LoadedQueriesPerSecond);

/// <param name="PagesLimited">True when <c>--pages</c> sampled part of the library reference.</param>
internal sealed record CorpusFigures(int Pages, long Characters, int TextOnlyChunks, int EmbeddedChunks, int UsableQuestions, int Questions, int Seed, bool PagesLimited);

/// <summary>Everything the retrieval benchmark measured; written as JSON with snake_case keys.</summary>
internal sealed record RetrievalReport(
    string CommandLine,
    int Cores,
    string Library,
    CorpusFigures Corpus,
    string Embedder,
    string Reranker,
    string? Postgres,
    IReadOnlyList<IngestionFigures> Ingestion,
    IReadOnlyList<QualityFigures> Quality,
    IReadOnlyList<LatencyFigures> Latency,
    IReadOnlyList<RetrievalQuestion> Examples)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public void Write(string path)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        Console.WriteLine($"wrote {path}");
    }

    public static void Print(RetrievalReport report)
    {
        var c = report.Corpus;
        Console.WriteLine();
        Console.WriteLine($"corpus: {c.Pages} pages{(c.PagesLimited ? " (a --pages sample)" : "")}, {c.Characters:N0} characters; {c.TextOnlyChunks:N0} chunks text-only, {c.EmbeddedChunks:N0} with the embedder; {report.Cores} cores");
        Console.WriteLine($"questions: {c.Questions} of {c.UsableQuestions} usable API entries (seed {c.Seed}), e.g.");
        foreach (var q in report.Examples) Console.WriteLine($"  {q.Api,-36} \"{q.Query}\"");
        Console.WriteLine();
        Console.WriteLine($"{"ingestion",-28} {"chunk budget",12} {"seconds",8} {"pages/s",8} {"chunks/s",9}");
        foreach (var i in report.Ingestion)
        {
            Console.WriteLine($"{i.Store,-28} {i.MaxTokens,12} {i.Seconds,8:F1} {i.PagesPerSecond,8:F1} {i.ChunksPerSecond,9:F0}");
        }
        Console.WriteLine();
        Console.WriteLine($"{"mode",-15} {"store",-20} {"R@1",6} {"R@5",6} {"MRR@10",7} {"ceiling",8}");
        foreach (var q in report.Quality)
        {
            Console.WriteLine($"{q.Mode,-15} {q.Store,-20} {q.RecallAt1,6:F3} {q.RecallAt5,6:F3} {q.MrrAt10,7:F3} {q.Ceiling,8:F3}");
        }
        Console.WriteLine();
        Console.WriteLine($"{"latency (ms)",-28} {"idle p50",9} {"idle p95",9} {"8 streams p50",14} {"p95",7} {"queries/s",10}");
        foreach (var l in report.Latency)
        {
            Console.WriteLine($"{l.Mode,-28} {l.IdleMedianMs,9:F2} {l.IdleP95Ms,9:F2} {l.LoadedMedianMs,14:F2} {l.LoadedP95Ms,7:F2} {l.LoadedQueriesPerSecond,10:F0}");
        }
        Console.WriteLine();
        Console.WriteLine($"embedder: {report.Embedder}");
        Console.WriteLine($"reranker: {report.Reranker}");
        if (report.Postgres is not null) Console.WriteLine($"postgres: {report.Postgres}");
    }
}
