using System.Diagnostics;
using System.Globalization;
using System.Text;
using Strata.Data.Dedup;

namespace Strata.Bench;

/// <summary>
/// Exact + MinHash LSH dedup over a synthetic corpus: Zipf-distributed words from a fixed vocabulary, with planted
/// exact copies and near copies (1% of words substituted: 5-gram Jaccard about 0.9, above the 0.8 target). Documents are generated batch by batch from their index, so
/// the corpus is never held whole and peak memory shows what the indexes cost. The same total size runs at two
/// document lengths: memory per document should stay flat while memory per MB grows with the document count.
///   dotnet run -c Release --project bench/Strata.Bench -- dedup [--mb 200] [--words 400]
/// </summary>
internal static class DedupBenchmark
{
    private const int VocabularySize = 50_000;
    private const int BatchDocuments = 2_000;
    private const double ExactRate = 0.03;
    private const double NearRate = 0.03;

    public static void Run(Arguments arguments)
    {
        int megabytes = arguments.Int("--mb", 200);
        int words = arguments.Int("--words", 400);
        var corpus = new SyntheticCorpus(VocabularySize, seed: 42);
        Console.WriteLine($"dedup benchmark: {megabytes} MB per run, {Environment.ProcessorCount} cores, MinHash {new MinHashOptions()}");
        SingleCore(corpus, words);
        foreach (int length in new[] { words, words / 4 })
        {
            RunOnce(corpus, megabytes, length);
        }
    }

    private static void SingleCore(SyntheticCorpus corpus, int words)
    {
        var documents = Enumerable.Range(0, 500).Select(i => corpus.Document(i, words)).ToArray();
        long bytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
        var hasher = new MinHasher();
        var signature = new ulong[hasher.Options.SignatureLength];
        hasher.Signature(documents[0], signature);
        var clock = Stopwatch.StartNew();
        foreach (string document in documents)
        {
            hasher.Signature(document, signature);
        }
        double signatureSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        foreach (string document in documents)
        {
            ExactDuplicates.Hash(document);
        }
        double exactSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one core: MinHash signature {bytes / 1e6 / signatureSeconds:F1} MB/s, exact hash {bytes / 1e6 / exactSeconds:F1} MB/s ({bytes / 1e6:F1} MB)"));
    }

    private static void RunOnce(SyntheticCorpus corpus, int megabytes, int words)
    {
        GC.Collect();
        ProcessMemory.ResetPeak();
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        var hasher = new MinHasher();
        var near = new NearDuplicateIndex(hasher.Options);
        var exact = new ExactDuplicateIndex();
        long target = (long)megabytes * 1_000_000;
        long bytes = 0;
        int documents = 0;
        double generateSeconds = 0, hashSeconds = 0;
        var clock = new Stopwatch();
        var batch = new string[BatchDocuments];
        while (bytes < target)
        {
            clock.Restart();
            int first = documents;
            Parallel.For(0, BatchDocuments, i => batch[i] = corpus.Document(first + i, words));
            generateSeconds += clock.Elapsed.TotalSeconds;
            foreach (string text in batch)
            {
                bytes += Encoding.UTF8.GetByteCount(text);
            }

            clock.Restart();
            Parallel.For(0, BatchDocuments, () => new ulong[hasher.Options.SignatureLength], (i, _, signature) =>
            {
                hasher.Signature(batch[i], signature);
                near.Add(first + i, signature);
                exact.Add(first + i, ExactDuplicates.Hash(batch[i]));
                return signature;
            }, _ => { });
            hashSeconds += clock.Elapsed.TotalSeconds;
            documents += BatchDocuments;
        }
        Array.Clear(batch);
        long indexBytes = GC.GetTotalMemory(forceFullCollection: true) - baseline;

        clock.Restart();
        var nearResult = near.Build();
        double nearSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var exactResult = exact.Build();
        double exactSeconds = clock.Elapsed.TotalSeconds;
        long peak = ProcessMemory.PeakBytes();

        var (plantedExact, plantedNear) = corpus.Planted(documents);
        double mb = bytes / 1e6;
        double dedupSeconds = hashSeconds + nearSeconds + exactSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            --- {mb:F0} MB, {documents:N0} documents of ~{words} words ({bytes / documents:N0} bytes avg)
              generate (not counted)     {generateSeconds,7:F2} s
              hash, all cores            {hashSeconds,7:F2} s  {mb / hashSeconds,7:F1} MB/s  (MinHash + exact + index adds)
              LSH cluster (Build)        {nearSeconds,7:F2} s  {nearResult.Clusters.Count:N0} clusters, {nearResult.Removed.Count:N0} removed (planted {plantedExact + plantedNear:N0} copies: {plantedExact:N0} exact, {plantedNear:N0} near)
              exact group (Build)        {exactSeconds,7:F2} s  {exactResult.Clusters.Count:N0} groups, {exactResult.Removed.Count:N0} removed
              total dedup                {dedupSeconds,7:F2} s  {mb / dedupSeconds,7:F1} MB/s; hashing {100 * hashSeconds / dedupSeconds:F0}% of the time
              index memory after adds    {indexBytes / 1e6,7:F1} MB  = {indexBytes / (double)documents:F0} bytes/document
              peak working set (VmHWM)   {peak / 1e6,7:F1} MB  = {peak / (double)documents:F0} bytes/document
            """));
    }

    /// <summary>Documents as a pure function of their index, so batches can be generated on any thread.</summary>
    private sealed class SyntheticCorpus
    {
        private readonly string[] _vocabulary;
        private readonly double[] _cumulative;

        public SyntheticCorpus(int size, int seed)
        {
            var random = new Random(seed);
            _vocabulary = new string[size];
            var chars = new char[12];
            for (int i = 0; i < size; i++)
            {
                int length = 2 + random.Next(9);
                for (int c = 0; c < length; c++)
                {
                    chars[c] = (char)('a' + random.Next(26));
                }
                _vocabulary[i] = new string(chars, 0, length);
            }
            // Zipf with exponent 1: word rank k has weight 1/k.
            _cumulative = new double[size];
            double total = 0;
            for (int k = 0; k < size; k++)
            {
                total += 1.0 / (k + 1);
                _cumulative[k] = total;
            }
            for (int k = 0; k < size; k++)
            {
                _cumulative[k] /= total;
            }
        }

        public string Document(int index, int words)
        {
            var random = new Random(index * 7919 + 13);
            double kind = random.NextDouble();
            if (index >= 10 && kind < ExactRate + NearRate)
            {
                // A copy of a recent original, so every planted copy has its source in the corpus.
                int source;
                do
                {
                    source = index - 1 - random.Next(Math.Min(index, 5_000));
                }
                while (!IsOriginal(source));
                string original = Original(source, words);
                return kind < ExactRate ? original : Mutate(original, random);
            }
            return Original(index, words);
        }

        private static bool IsOriginal(int index) => index < 10 || new Random(index * 7919 + 13).NextDouble() >= ExactRate + NearRate;

        public (int Exact, int Near) Planted(int documents)
        {
            int exact = 0, near = 0;
            for (int index = 10; index < documents; index++)
            {
                double kind = new Random(index * 7919 + 13).NextDouble();
                exact += kind < ExactRate ? 1 : 0;
                near += kind >= ExactRate && kind < ExactRate + NearRate ? 1 : 0;
            }
            return (exact, near);
        }

        private string Original(int index, int words)
        {
            var random = new Random(index * 104729 + 7);
            int count = words / 2 + random.Next(words + 1);
            var text = new StringBuilder(count * 8);
            for (int w = 0; w < count; w++)
            {
                text.Append(w == 0 ? "" : w % 15 == 0 ? ". " : " ").Append(Word(random));
            }
            return text.Append('.').ToString();
        }

        private string Mutate(string original, Random random)
        {
            string[] parts = original.Split(' ');
            for (int i = 0; i < parts.Length; i++)
            {
                if (random.NextDouble() < 0.01)
                {
                    parts[i] = Word(random);
                }
            }
            return string.Join(' ', parts);
        }

        private string Word(Random random)
        {
            int at = Array.BinarySearch(_cumulative, random.NextDouble());
            return _vocabulary[Math.Min(at < 0 ? ~at : at, _vocabulary.Length - 1)];
        }
    }
}
