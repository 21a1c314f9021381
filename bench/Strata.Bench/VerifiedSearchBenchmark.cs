using System.Diagnostics;
using System.Text.Json.Nodes;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Models.Loading;

namespace Strata.Bench;

/// <summary>
/// Accuracy against the number of samples for verified search on checkable tasks: rows of <c>{messages, answer}</c>
/// (the quickstart's held-out instructions, whose answers a program computes from the prompt), each answered greedily,
/// by one sample, and by the best of n samples ranked by the check (<c>exact:</c> the computed answer) and then by mean
/// log-probability, beside best-of-n by log-probability alone (no check).
///   verified --model models/quickstart/command --data models/quickstart/eval/command.jsonl [--n 1,4,16] [--temperature 0.8] [--limit 100]
/// </summary>
internal static class VerifiedSearchBenchmark
{
    public static async Task RunAsync(Arguments args)
    {
        string modelPath = args.Value("--model") ?? "models/quickstart/command";
        string data = args.Value("--data") ?? "models/quickstart/eval/command.jsonl";
        int[] counts = (args.Value("--n") ?? "1,4,16").Split(',').Select(int.Parse).ToArray();
        double temperature = double.Parse(args.Value("--temperature") ?? "0.8", System.Globalization.CultureInfo.InvariantCulture);
        var rows = File.ReadLines(data).Where(l => l.Trim().Length > 0).Take(args.Int("--limit", 100)).Select(l => JsonNode.Parse(l)!).ToList();

        var package = ModelPackage.Open(modelPath);
        using var backend = package.LoadBackend();
        var generator = new TextGenerator(package.LanguageModel(backend), package.Tokenizer);
        var sampling = new SamplingOptions { Temperature = temperature, MaxTokens = 16, StopSequences = ["\n"] };
        int largest = counts.Max();
        var clock = Stopwatch.StartNew();
        int greedy = 0;
        var verifiedAt = new int[counts.Length];
        var logprobAt = new int[counts.Length];
        foreach (var (row, item) in rows.Select((r, i) => (r, i)))
        {
            var prompt = package.Prompts.Encode((JsonArray)row["messages"]!.DeepClone());
            string answer = row["answer"]!.GetValue<string>();
            var check = AnswerVerifier.Parse("exact:" + answer);
            if (check.Accepts((await generator.GenerateAsync(prompt, sampling with { Temperature = 0 })).Text)) greedy++;
            // One pass of the largest n; a smaller n is its first n samples (seeds item·1000 + 0 … n−1).
            var samples = new List<Candidate>();
            for (int i = 0; i < largest; i++)
            {
                var result = await generator.GenerateAsync(prompt, sampling with { Seed = item * 1000 + i }, withLogprobs: true);
                samples.Add(new Candidate(result.Text, check.Accepts(result.Text), BestOfN.MeanLogprob(result.Logprobs ?? []), i, result.FinishReason));
            }
            for (int k = 0; k < counts.Length; k++)
            {
                var first = samples.Take(counts[k]).ToList();
                if (first.Any(c => c.Verified)) verifiedAt[k]++;
                if (BestOfN.Rank(first, _ => false, c => c.MeanLogprob).First().Verified) logprobAt[k]++;   // no check: log-probability alone
            }
        }
        double n = rows.Count;
        Console.WriteLine($"{Path.GetFileName(modelPath.TrimEnd('/'))}: {rows.Count} items, temperature {temperature}, {clock.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine($"greedy: {greedy / n:P0}");
        Console.WriteLine("| samples | verified search | best by log-probability (no check) |");
        Console.WriteLine("| ---: | ---: | ---: |");
        for (int k = 0; k < counts.Length; k++) Console.WriteLine($"| {counts[k]} | {verifiedAt[k] / n:P0} | {logprobAt[k] / n:P0} |");
    }
}
