using Strata.Data.IO;
using Strata.Data.Pipeline;

namespace Strata.Data.Tests.Pipeline;

/// <summary>
/// docs/data.md runs the quickstart's corpus (Tiny Shakespeare, split into speeches) through the pipeline and quotes
/// the result; this runs the configuration printed there on the same split and checks the quoted figures, so the
/// documentation stays a measurement.
/// </summary>
public class QuickstartCorpusTests
{
    [Fact]
    public void TheDocumentedSpeechCurationFindsTheQuotedDuplicates()
    {
        string docs = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "data.md"));
        const string opening = "cat > shakespeare.json <<'JSON'\n";
        int start = docs.IndexOf(opening, StringComparison.Ordinal) + opening.Length;
        string json = docs[start..docs.IndexOf("\nJSON\n", start, StringComparison.Ordinal)];

        string directory = TestPaths.NewTemporaryDirectory();
        string configPath = Path.Combine(directory, "shakespeare.json");
        File.WriteAllText(configPath, json);
        // The documented split: Python's t.split('\n\n'), blank pieces dropped.
        string speechesPath = Path.Combine(directory, "speeches.jsonl");
        var speeches = File.ReadAllText(TestPaths.TinyShakespeare).Split("\n\n").Where(s => s.Trim().Length > 0).ToList();
        using (var writer = new ShardWriter(speechesPath))
        {
            for (int i = 0; i < speeches.Count; i++) writer.Write(new Document($"speech-{i}", speeches[i], []));
            writer.Commit();
        }

        var config = PipelineConfig.Load(configPath);
        var report = new PipelineRunner(config, StageRegistry.Create(config, new StageContext(directory))).Run([speechesPath], Path.Combine(directory, "clean"));

        Assert.Equal(7_222, report.Inputs.Records);
        var exact = report.Stages.Single(s => s.Name == "exact_dedup");
        Assert.Equal(79, exact.Removed);
        Assert.Equal(36, report.CorpusReports["exact_dedup"]!["clusters"]!.GetValue<int>());
        Assert.Equal(0, report.Stages.Single(s => s.Name == "minhash_dedup").Removed);
        Assert.Equal(7_222 - 79, report.Output.Documents);
    }
}
