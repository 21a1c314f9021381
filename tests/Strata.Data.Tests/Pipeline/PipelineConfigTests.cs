using System.Text.Json.Nodes;
using Strata.Data.Decontamination;
using Strata.Data.Dedup;
using Strata.Data.Filters;
using Strata.Data.Pipeline;

namespace Strata.Data.Tests.Pipeline;

public class PipelineConfigTests
{
    [Fact]
    public void TheDefaultPipelineBuildsEveryStageInFineWebsOrder()
    {
        var stages = StageRegistry.Create(new PipelineConfig(), new StageContext("."));
        Assert.Equal(["extract", "normalise", "classify_code", "language", "gopher_repetition", "gopher_quality", "c4", "fineweb_quality", "exact_dedup", "minhash_dedup"],
            stages.Select(s => s is IDocumentStage d ? d.Name : ((ICorpusStage)s).Name));
        Assert.IsType<ExactDedupStage>(stages[^2]);
    }

    [Fact]
    public void OptionsReachTheStageAndUnknownKeysAreErrors()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(directory, "eval.jsonl"), """{"id":"q1","question":"What is the capital of France?","answer":"Paris"}""" + "\n");
        string path = Path.Combine(directory, "pipeline.json");
        File.WriteAllText(path, """
            { "stages": [ { "stage": "minhash_dedup", "bands": 20, "rows": 5 },
                          { "stage": "decontaminate", "evaluation_sets": ["eval.jsonl"], "n": 8, "mode": "flag" } ],
              "compression": "zstd", "workers": 1 }
            """);
        var config = PipelineConfig.Load(path);
        var stages = StageRegistry.Create(config, new StageContext(directory));
        Assert.Equal(100, ((MinHashDedupStage)stages[0]).FingerprintWidth);
        var flagged = ((IDocumentStage)stages[1]).Apply(new Document("d", "Quiz: what is the capital of France? Paris, of course.", new JsonObject()));
        Assert.True(flagged.Kept);
        Assert.Equal(["q1"], flagged.Matches!);

        File.WriteAllText(path, """{ "stages": [ { "stage": "gopher_quality", "min_words_typo": 3 } ] }""");
        var badOption = Assert.Throws<ArgumentException>(() => StageRegistry.Create(PipelineConfig.Load(path), new StageContext(directory)));
        Assert.Contains("gopher_quality", badOption.Message);
        File.WriteAllText(path, """{ "stages": [ { "stage": "no_such_stage" } ] }""");
        Assert.Contains("unknown stage \"no_such_stage\"", Assert.Throws<ArgumentException>(() => StageRegistry.Create(PipelineConfig.Load(path), new StageContext(directory))).Message);
        File.WriteAllText(path, """{ "stagez": [] }""");
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => PipelineConfig.Load(path)).Message);
    }

    /// <summary>The example in docs/data.md is a working configuration.</summary>
    [Fact]
    public void TheDocumentedExampleConfigurationBuilds()
    {
        string docs = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "data.md"));
        int start = docs.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        string json = docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
        string directory = TestPaths.NewTemporaryDirectory();
        Directory.CreateDirectory(Path.Combine(directory, "evals"));
        File.WriteAllText(Path.Combine(directory, "evals", "quiz.jsonl"), """{"id":"q","text":"a question"}""" + "\n");
        File.WriteAllText(Path.Combine(directory, "pipeline.json"), json);
        var config = PipelineConfig.Load(Path.Combine(directory, "pipeline.json"));
        Assert.Equal(11, StageRegistry.Create(config, new StageContext(directory)).Count);
    }

    [Fact]
    public void LanguageOptionsComeFromJson()
    {
        var stage = (LanguageFilter)StageRegistry.Create(JsonNode.Parse("""{ "stage": "language", "languages": ["de"], "min_score": 0.5 }""")!.AsObject(), new StageContext("."));
        var english = stage.Apply(new Document("e", "The quick brown fox jumps over the lazy dog and runs away into the forest.", new JsonObject()));
        Assert.False(english.Kept);
    }
}
