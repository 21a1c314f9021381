using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Evaluation.Metrics;
using Strata.Serving.Engine;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;
using Strata.Training.Quickstart;
using Strata.Training.Tuning;

namespace Strata.Bench;

/// <summary>
/// Grounded answers end to end, through a real <c>strata serve</c> over HTTP: the quickstart's grounded-answer family
/// (two documents, a question about one, the answer copies its sentence) on fresh items that no tuning example has,
/// sent to Cohere's <c>/v2/chat</c> with the documents. Reports answer exact match, whether the right document is
/// cited, ALCE's citation recall and precision with exact-span support in place of an NLI model, and latency per
/// grounded query at idle and under 8 concurrent clients.
/// </summary>
/// <remarks>
/// ALCE (Gao et al., 2023), with support decided by containment instead of entailment: a statement (here each answer
/// sentence) is <i>recalled</i> when the documents its citations name together contain it; a citation is
/// <i>precise</i> when the document it names contains the cited text. Text is compared case-insensitively with
/// whitespace collapsed.
/// </remarks>
internal static class GroundedBenchmark
{
    public static async Task RunAsync(Arguments args)
    {
        string model = args.Value("--model") ?? Path.Combine("models", "quickstart", "dialogue");
        int count = args.Int("--questions", 60);
        int[] concurrency = (args.Value("--clients") ?? "1,8").Split(',').Select(int.Parse).ToArray();
        var questions = FreshQuestions(count, args.Int("--seed", 9001));
        Console.WriteLine($"{model}: {questions.Count} grounded questions no tuning example shares; clients {string.Join(", ", concurrency)}");

        await using var server = StrataServer.Create(new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            Models = [new ModelSource(model, "grounded")],
            Engine = new EngineOptions { MaxBatchSize = Math.Max(8, concurrency.Max()), MaxQueuedRequests = 4 * concurrency.Max() },
        });
        await server.StartAsync();
        await server.Loading;
        using var http = new HttpClient { BaseAddress = new Uri(server.Addresses.First() + "/"), Timeout = TimeSpan.FromMinutes(5) };
        await AskAsync(http, questions[0]);   // warm-up: JIT, kernels

        Outcome[]? quality = null;
        var latency = new List<(int Clients, double P50, double P95, double PerSecond)>();
        foreach (int clients in concurrency)
        {
            var outcomes = new Outcome[questions.Count];
            int next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
            {
                for (int i = Interlocked.Increment(ref next); i < questions.Count; i = Interlocked.Increment(ref next)) outcomes[i] = await AskAsync(http, questions[i]);
            }));
            double seconds = clock.Elapsed.TotalSeconds;
            var times = outcomes.Select(o => o.Milliseconds).ToList();
            latency.Add((clients, Quantiles.Of(times, 0.5), Quantiles.Of(times, 0.95), questions.Count / seconds));
            quality ??= outcomes;
        }

        var q = quality!;
        int statements = q.Length, recalled = q.Count(o => o.Recalled);
        int citations = q.Sum(o => o.CitationSources), precise = q.Sum(o => o.PreciseSources);
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("| --- | ---: |");
        Console.WriteLine($"| answer exact match (copies the supporting sentence) | {q.Count(o => o.Exact) / (double)statements:P1} |");
        Console.WriteLine($"| answers citing the supporting document | {q.Count(o => o.CitesRight) / (double)statements:P1} |");
        Console.WriteLine($"| ALCE citation recall (exact-span support), {statements} statements | {recalled / (double)statements:P1} |");
        Console.WriteLine($"| ALCE citation precision, {citations} citation sources | {(citations == 0 ? double.NaN : precise / (double)citations):P1} |");
        Console.WriteLine();
        Console.WriteLine("| clients | p50 ms per query | p95 ms | queries/s |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        foreach (var (clients, p50, p95, rate) in latency) Console.WriteLine($"| {clients} | {p50:F0} | {p95:F0} | {rate:F2} |");
        Console.WriteLine();
        foreach (var o in q.Take(3)) Console.WriteLine($"Q: {o.Question.Text}\n  docs: {string.Join(" | ", o.Question.Documents)}\n  → {o.Answer}  [cited: {string.Join(", ", o.Cited)}]");
    }

    private sealed record Question(string Text, IReadOnlyList<string> Documents, string Expected, string SupportingId);

    private sealed record Outcome(Question Question, string Answer, bool Exact, bool CitesRight, bool Recalled, int CitationSources, int PreciseSources,
        IReadOnlyList<string> Cited, double Milliseconds);

    /// <summary>Grounded items drawn with another seed, minus any whose documents and question a tuning example has.</summary>
    private static List<Question> FreshQuestions(int count, int seed)
    {
        var trained = QuickstartHeldOut.Create(new QuickstartOptions()).CommandTrain
            .Where(e => e.Kind == "grounded").Select(e => Key(e.Conversation)).ToHashSet();
        var kinds = SyntheticTasks.CommandKindNames.Count;
        return SyntheticTasks.Command(count * kinds * 2, seed)
            .Where(e => e.Kind == "grounded" && !trained.Contains(Key(e.Conversation)))
            .Take(count)
            .Select(e =>
            {
                var documents = DocumentTexts(e.Conversation.Messages[0].Content);
                int supporting = documents.IndexOf(e.ExpectedFinalAnswer);
                return new Question(e.Conversation.Messages[1].Content, documents, e.ExpectedFinalAnswer, $"doc:{supporting}");
            }).ToList();
    }

    private static string Key(Conversation conversation) => string.Join("\u0001", conversation.Messages.Take(2).Select(m => m.Content));

    /// <summary>The document texts of a grounded system message (the lines after each <c>[doc:N]</c>).</summary>
    private static List<string> DocumentTexts(string system)
    {
        var lines = system.Split('\n');
        return lines.Select((line, i) => (line, i)).Where(p => p.line.StartsWith("[doc:", StringComparison.Ordinal)).Select(p => lines[p.i + 1]).ToList();
    }

    private static async Task<Outcome> AskAsync(HttpClient http, Question question)
    {
        var body = new JsonObject
        {
            ["model"] = "grounded",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = question.Text }),
            ["documents"] = new JsonArray(question.Documents.Select(d => (JsonNode?)d).ToArray()),
            ["max_tokens"] = 16,
            ["temperature"] = 0,
            ["stop_sequences"] = new JsonArray("\n"),
        };
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("v2/chat", body);
        string text = await response.Content.ReadAsStringAsync();
        double milliseconds = clock.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"/v2/chat: {(int)response.StatusCode} {text}");
        var message = JsonNode.Parse(text)!["message"]!;
        string answer = message["content"]?[0]?["text"]?.GetValue<string>() ?? "";
        var citations = message["citations"] as JsonArray ?? [];
        var documents = question.Documents.Select((d, i) => (Id: $"doc:{i}", Text: d)).ToDictionary(d => d.Id, d => d.Text);
        var cited = citations.SelectMany(c => c!["sources"]!.AsArray().Select(s => s!["id"]!.GetValue<string>())).Distinct().ToList();

        // Precision: each (citation, source) pair whose document contains the cited text.
        int sources = 0, precise = 0;
        foreach (var citation in citations)
        {
            string span = citation!["text"]!.GetValue<string>();
            foreach (var source in citation["sources"]!.AsArray())
            {
                sources++;
                if (documents.TryGetValue(source!["id"]!.GetValue<string>(), out string? document) && Contains(document, span)) precise++;
            }
        }
        // Recall: the answer (one sentence) is contained in the union of the documents its citations name.
        string union = string.Join("\n", cited.Where(documents.ContainsKey).Select(id => documents[id]));
        bool recalled = answer.Trim().Length > 0 && cited.Count > 0 && Contains(union, answer.Trim());
        return new Outcome(question, answer, answer.Trim() == question.Expected, cited.Contains(question.SupportingId), recalled, sources, precise, cited, milliseconds);
    }

    private static bool Contains(string document, string span) => Normalise(document).Contains(Normalise(span), StringComparison.Ordinal);

    private static string Normalise(string text) => string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
