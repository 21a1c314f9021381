using System.Diagnostics;
using Strata.Models.Encoders;
using Strata.Serving.Documents;
using Strata.Serving.Registry;
using Strata.Serving.Storage;

namespace Strata.Bench;

/// <summary>
/// Grounded-answer retrieval on Python's library reference (Debian's <c>python3.11-doc</c>, PSF licence): ingestion
/// throughput into a fresh SQLite store with and without an embedder, then recall@1, recall@5 and MRR@10 of BM25,
/// vectors, hybrid (RRF) and hybrid + rerank over held-out questions built from the pages' API entries
/// (<see cref="RetrievalQuestions"/>), and query latency at idle and under 8 concurrent streams. Without
/// <c>--embedder</c> / <c>--reranker</c> the encoders are random-weight bert-tiny presets: their quality figures check
/// the plumbing only.
/// </summary>
internal static class RetrievalBenchmark
{
    private const string Tenant = "bench";
    private const string DefaultDocs = "/usr/share/doc/python3.11/html";
    private const int TopK = 10;
    private const int Streams = 8;

    public static async Task<int> RunAsync(Arguments args)
    {
        string docs = args.Value("--docs") ?? DefaultDocs;
        string library = Directory.Exists(Path.Combine(docs, "library")) ? Path.Combine(docs, "library") : docs;
        if (!Directory.Exists(library) || Directory.GetFiles(library, "*.html").Length == 0)
        {
            Console.Error.WriteLine($"no library reference pages under {docs}: install them with `sudo apt-get install python3.11-doc` (Debian/Ubuntu) or pass --docs DIR (the html folder of Python's documentation)");
            return 2;
        }
        int seed = args.Int("--seed", 17), questionCount = args.Int("--queries", 300);
        var pages = LoadPages(library, args.Int("--pages", 0), seed);
        var usable = RetrievalQuestions.Build(pages.Select(p => (p.Name, p.Html)));
        var questions = RetrievalQuestions.Sample(usable, questionCount, seed);
        Console.WriteLine($"corpus: {pages.Count} library pages from {library}; {questions.Count} questions sampled (seed {seed}) from {usable.Count} usable API entries");

        string temp = Directory.CreateTempSubdirectory("strata-bench-retrieval-").FullName;
        try
        {
            var (embedder, embedderNote) = OpenEncoder(args.Value("--embedder"), "bert-tiny", temp);
            var (reranker, rerankerNote) = OpenEncoder(args.Value("--reranker"), "bert-tiny-reranker", temp);
            using (embedder)
            using (reranker)
            {
                Console.WriteLine($"embedder: {embedderNote}\nreranker: {rerankerNote}");
                using var textStore = new RecordingStore(SqliteDocumentStore.Open(Path.Combine(temp, "text.db")));
                using var vectorStore = new RecordingStore(SqliteDocumentStore.Open(Path.Combine(temp, "vectors.db")));
                var ingestion = new List<IngestionFigures>
                {
                    await IngestAsync("text only", textStore, null, pages),
                    await IngestAsync($"with {embedder.Name}", vectorStore, embedder, pages),
                };

                var bm25 = new Retriever(textStore, null, null);
                var hybrid = new Retriever(vectorStore, embedder, reranker);
                var noRerank = new RetrievalOptions(TopK, Rerank: false);
                var modes = new (string Mode, RecordingStore Store, Search Search)[]
                {
                    ("bm25", textStore, q => Texts(bm25.RetrieveAsync(Tenant, q, noRerank, default))),
                    ("bm25", vectorStore, q => Texts(new Retriever(vectorStore, null, null).RetrieveAsync(Tenant, q, noRerank, default))),
                    ("vectors", vectorStore, async q =>
                    {
                        var vector = await embedder.RunAsync(e => e.Embed([q], Strata.Models.Encoders.EmbeddingRole.Query)[0], default);
                        return vectorStore.SearchVectors(Tenant, vector, embedder.Name, TopK).Select(h => h.Text).ToList();
                    }),
                    ("hybrid", vectorStore, q => Texts(hybrid.RetrieveAsync(Tenant, q, noRerank, default))),
                    ("hybrid+rerank", vectorStore, q => Texts(hybrid.RetrieveAsync(Tenant, q, new RetrievalOptions(TopK), default))),
                };
                var quality = new List<QualityFigures>();
                foreach (var (mode, store, search) in modes)
                {
                    var clock = Stopwatch.StartNew();
                    quality.Add(await ScoreAsync(mode, store == textStore ? ingestion[0].Store : ingestion[1].Store, store, search, questions));
                    Console.WriteLine($"scored {mode} ({quality[^1].Store}) in {clock.Elapsed.TotalSeconds:F1} s");
                }
                var latency = new List<LatencyFigures>
                {
                    await MeasureLatencyAsync("bm25 (text-only store)", modes[0].Search, questions),
                    await MeasureLatencyAsync($"bm25 ({embedder.Name} store)", modes[1].Search, questions),
                    await MeasureLatencyAsync($"hybrid ({embedder.Name} store)", modes[3].Search, questions),
                };

                // The text-only store again in PostgreSQL (tsvector + GIN, ts_rank_cd), when a database is given.
                string? postgresNote = null;
                if (args.Value("--postgres") is string url)
                {
                    using var pgStore = new RecordingStore(DocumentStores.Open(StoreLocation.Parse(url)));
                    foreach (var old in pgStore.List(Tenant, limit: 100_000)) pgStore.Delete(Tenant, old.Id);
                    var pgIngestion = await IngestAsync("text only (PostgreSQL)", pgStore, null, pages);
                    ingestion.Add(pgIngestion);
                    var pgRetriever = new Retriever(pgStore, null, null);
                    Search pgSearch = q => Texts(pgRetriever.RetrieveAsync(Tenant, q, noRerank, default));
                    quality.Add(await ScoreAsync("full text (ts_rank)", pgIngestion.Store, pgStore, pgSearch, questions));
                    latency.Add(await MeasureLatencyAsync("full text (PostgreSQL)", pgSearch, questions));
                    foreach (var old in pgStore.List(Tenant, limit: 100_000)) pgStore.Delete(Tenant, old.Id);
                    postgresNote = $"ingested into {StoreLocation.Parse(url)}";
                }

                var report = new RetrievalReport(
                    Environment.CommandLine, Environment.ProcessorCount, library,
                    new CorpusFigures(pages.Count, ingestion[0].Characters, ingestion[0].Chunks, ingestion[1].Chunks, usable.Count, questions.Count, seed, args.Int("--pages", 0) > 0),
                    embedderNote, rerankerNote, postgresNote,
                    ingestion, quality, latency, questions.Take(5).ToList());
                RetrievalReport.Print(report);
                if (args.Value("--out") is string output) report.Write(output);
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
        return 0;
    }

    private delegate Task<IReadOnlyList<string>> Search(string query);

    private static async Task<IReadOnlyList<string>> Texts(Task<RetrievalResult> result) => (await result).Chunks.Select(c => c.Chunk.Text).ToList();

    /// <summary>Every library page, or a seeded sample of <paramref name="limit"/> of them; sorted by name either way.</summary>
    private static List<(string Name, string Html, byte[] Bytes)> LoadPages(string library, int limit, int seed)
    {
        var files = Directory.GetFiles(library, "*.html").Order(StringComparer.Ordinal).ToArray();
        if (limit > 0 && limit < files.Length)
        {
            new Random(seed).Shuffle(files);
            files = files.Take(limit).Order(StringComparer.Ordinal).ToArray();
        }
        return files.Select(f => (Path.GetFileName(f), File.ReadAllText(f), File.ReadAllBytes(f))).ToList();
    }

    /// <summary>The encoder folder given, or a random-weight preset written into <paramref name="temp"/>.</summary>
    private static (ServedEncoder Encoder, string Note) OpenEncoder(string? directory, string preset, string temp)
    {
        if (directory is not null) return (ServedEncoder.Load(directory), $"{directory} (real weights)");
        string folder = Path.Combine(temp, preset);
        EncoderPresets.Create(preset, folder, seed: 1);
        return (ServedEncoder.Load(folder, preset), $"{preset} with RANDOM weights: its quality figures are a plumbing check, not a quality figure (no real bge/e5 checkpoint is available offline here)");
    }

    private static async Task<IngestionFigures> IngestAsync(string label, RecordingStore store, ServedEncoder? embedder, IReadOnlyList<(string Name, string Html, byte[] Bytes)> pages)
    {
        var ingestion = new DocumentIngestion(store, embedder);
        int failed = 0;
        long characters = 0;
        var clock = Stopwatch.StartNew();
        foreach (var page in pages)
        {
            try
            {
                characters += (await ingestion.AddAsync(Tenant, page.Name, "text/html", page.Bytes, default)).Characters;
            }
            catch (InvalidDataException e)
            {
                failed++;
                Console.Error.WriteLine($"  {page.Name}: {e.Message}");
            }
        }
        var figures = new IngestionFigures(label, pages.Count - failed, failed, characters, store.ChunkTexts.Count, ingestion.Chunking.MaxTokens, clock.Elapsed.TotalSeconds);
        Console.WriteLine($"ingested {label}: {figures.Pages} pages, {figures.Chunks} chunks in {figures.Seconds:F1} s");
        return figures;
    }

    private static async Task<QualityFigures> ScoreAsync(string mode, string storeLabel, RecordingStore store, Search search, IReadOnlyList<RetrievalQuestion> questions)
    {
        // The best any ranking can do on this store: questions whose sentence some chunk holds whole.
        string all = string.Join('\u0001', store.ChunkTexts.Select(RetrievalQuestions.Normalise));
        int answerable = questions.Count(q => all.Contains(q.Sentence, StringComparison.Ordinal));
        await search(questions[0].Query);   // warm-up
        int atOne = 0, atFive = 0;
        double reciprocal = 0;
        foreach (var question in questions)
        {
            var texts = await search(question.Query);
            int rank = HitRank(texts, question.Sentence);
            if (rank == 0) continue;
            if (rank == 1) atOne++;
            if (rank <= 5) atFive++;
            reciprocal += 1.0 / rank;
        }
        double n = questions.Count;
        return new QualityFigures(mode, storeLabel, atOne / n, atFive / n, reciprocal / n, answerable / n);
    }

    /// <summary>1-based rank of the first of the top <see cref="TopK"/> chunks that holds <paramref name="sentence"/>, or 0.</summary>
    private static int HitRank(IReadOnlyList<string> texts, string sentence)
    {
        for (int i = 0; i < Math.Min(TopK, texts.Count); i++)
        {
            if (RetrievalQuestions.Normalise(texts[i]).Contains(sentence, StringComparison.Ordinal)) return i + 1;
        }
        return 0;
    }

    /// <summary>
    /// Per-query latency: the questions one after another, then the same questions shared among <see cref="Streams"/>
    /// concurrent tasks (each takes the next unasked one), so both passes time the same queries.
    /// </summary>
    private static async Task<LatencyFigures> MeasureLatencyAsync(string mode, Search search, IReadOnlyList<RetrievalQuestion> questions)
    {
        var idle = new List<double>();
        foreach (var question in questions) idle.Add(await Timed(search, question.Query));
        var clock = Stopwatch.StartNew();
        int next = -1;
        var streams = await Task.WhenAll(Enumerable.Range(0, Streams).Select(_ => Task.Run(async () =>
        {
            var times = new List<double>();
            for (int i = Interlocked.Increment(ref next); i < questions.Count; i = Interlocked.Increment(ref next)) times.Add(await Timed(search, questions[i].Query));
            return times;
        })));
        double seconds = clock.Elapsed.TotalSeconds;
        var loaded = streams.SelectMany(t => t).ToList();
        return new LatencyFigures(mode, Arguments.Median(idle), Percentile(idle, 0.95), idle.Count / idle.Sum() * 1000,
            Arguments.Median(loaded), Percentile(loaded, 0.95), loaded.Count / seconds);
    }

    private static async Task<double> Timed(Search search, string query)
    {
        long start = Stopwatch.GetTimestamp();
        await search(query);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    /// <summary>A store that remembers the chunk texts it was given, to find which questions a chunking can answer at all.</summary>
    private sealed class RecordingStore(IDocumentStore inner) : IDocumentStore
    {
        public List<string> ChunkTexts { get; } = [];

        public string Description => inner.Description;

        public StoredDocument Add(string tenant, string name, string mediaType, string text, IReadOnlyList<NewChunk> chunks, string? embedder)
        {
            var stored = inner.Add(tenant, name, mediaType, text, chunks, embedder);
            ChunkTexts.AddRange(chunks.Select(c => c.Text));
            return stored;
        }

        public IReadOnlyList<StoredDocument> List(string tenant, int limit = 100, int offset = 0) => inner.List(tenant, limit, offset);

        public StoredDocument? Find(string tenant, string id) => inner.Find(tenant, id);

        public string? Text(string tenant, string id) => inner.Text(tenant, id);

        public bool Delete(string tenant, string id) => inner.Delete(tenant, id);

        public IReadOnlyList<ChunkHit> SearchText(string tenant, string query, int limit) => inner.SearchText(tenant, query, limit);

        public IReadOnlyList<ChunkHit> SearchVectors(string tenant, float[] query, string embedder, int limit) => inner.SearchVectors(tenant, query, embedder, limit);

        public void Dispose() => inner.Dispose();
    }
}
