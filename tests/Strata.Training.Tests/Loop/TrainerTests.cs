using System.Text.Json.Nodes;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Training.Loop;
using Strata.Training.Reports;

namespace Strata.Training.Tests.Loop;

public class TrainerTests
{
    private static readonly TrainingOptions Options = new()
    {
        MaxSteps = 12,
        BatchSize = 4,
        ContextLength = 16,
        LearningRate = 3e-3,
        MinLearningRate = 3e-4,
        WarmupSteps = 2,
        EvalInterval = 6,
        CheckpointInterval = 4,
        KeepCheckpoints = 2,
        SpikeWindow = 10,
        Seed = 5,
    };

    private sealed class Interrupt : Exception;

    private sealed class Recorder(int? interruptAfterStep = null) : ITrainingMonitor
    {
        public List<StepReport> Steps { get; } = [];
        public List<TrainingEvent> Events { get; } = [];

        public void OnStep(StepReport report)
        {
            Steps.Add(report);
            if (report.Step == interruptAfterStep) throw new Interrupt(); // like SIGKILL: no clean-up, no checkpoint
        }

        public void OnValidation(int step, double loss) { }
        public void OnEvent(TrainingEvent trainingEvent) => Events.Add(trainingEvent);
    }

    private static (Trainer Trainer, LlamaForCausalLM Model) NewTrainer(string output, ITrainingData data, TrainingOptions options, ITrainingMonitor monitor)
    {
        var model = LlamaCheckpoint.Create(ModelPresets.Tiny(64) with { MaxPositionEmbeddings = 64 }, seed: 3);
        string tokenizer = Path.Combine(output, "tokenizer.source.json");
        Directory.CreateDirectory(output);
        if (!File.Exists(tokenizer)) BundledTokenizer.SaveTo(tokenizer);
        return (new Trainer(model, data, options, output, tokenizer, new JsonObject { ["test"] = true }, monitor), model);
    }

    [Fact]
    public void TrainingLowersTheLossAndExportsAModel()
    {
        string output = TestPaths.NewTemporaryDirectory();
        var recorder = new Recorder();
        var (trainer, model) = NewTrainer(output, new SyntheticData(64, 4, 16), Options with { MaxSteps = 40, EvalInterval = 20 }, recorder);
        using var _ = model;
        var result = trainer.Run(resume: false);
        Assert.True(result.Completed);
        Assert.True(recorder.Steps[^1].Loss < 0.5 * recorder.Steps[0].Loss, $"loss {recorder.Steps[0].Loss} -> {recorder.Steps[^1].Loss}");
        Assert.True(result.FinalValidationLoss < recorder.Steps[0].Loss);
        Assert.Equal(result.FinalValidationLoss!.Value / 4.0 / Math.Log(2), result.BitsPerCharacter!.Value, 9);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
        using var exported = LlamaCheckpoint.Load(output);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(output, "checkpoints"), "step-*").Length); // keep_checkpoints
    }

    /// <summary>Trains on one synthetic text and validates on another, so validation loss rises as training memorises.</summary>
    private sealed class Overfitting(SyntheticData train, SyntheticData other) : ITrainingData
    {
        public TrainingBatch Batch(long index) => train.Batch(index);
        public IEnumerable<TrainingBatch> Validation(long? maxTokens) => other.Validation(maxTokens);
        public double? ValidationCharactersPerToken => null;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LoadBestModelAtEndExportsTheWeightsOfTheLowestValidationLoss(bool loadBest)
    {
        string output = TestPaths.NewTemporaryDirectory();
        var recorder = new Recorder();
        var data = new Overfitting(new SyntheticData(64, 4, 16), new SyntheticData(64, 4, 16, corpusSeed: 7));
        var options = Options with { MaxSteps = 24, EvalInterval = 4, CheckpointInterval = 4, KeepCheckpoints = 10, LoadBestModelAtEnd = loadBest };
        var (trainer, model) = NewTrainer(output, data, options, recorder);
        using var _ = model;
        var result = trainer.Run(resume: false);

        var validation = result.State.ValidationLoss;
        int best = (int)validation.MinBy(p => p.Loss)!.Step;
        Assert.True(best < 24 && validation[^1].Loss > validation.Min(p => p.Loss), $"the run must overfit for this test: {string.Join(", ", validation.Select(p => $"{p.Step}: {p.Loss:F3}"))}");
        Assert.Equal(best, result.State.BestStep);
        // The exported weights are byte for byte those of the chosen step's checkpoint.
        string expected = Path.Combine(output, "checkpoints", $"step-{(loadBest ? best : 24):D8}", "model.safetensors");
        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
        Assert.Equal(loadBest, result.State.Events.Any(e => e.Kind == "best" && e.Message.Contains($"step {best}")));
        // The final evaluation (all validation data) measures the exported model.
        if (loadBest) Assert.True(result.FinalValidationLoss < validation[^1].Loss);
    }

    [Fact]
    public void ResumeAfterAKillReproducesTheUninterruptedLossCurve()
    {
        string straight = TestPaths.NewTemporaryDirectory();
        var uninterrupted = new Recorder();
        var (trainerA, modelA) = NewTrainer(straight, new SyntheticData(64, 4, 16), Options, uninterrupted);
        using (modelA) trainerA.Run(resume: false);

        string killed = TestPaths.NewTemporaryDirectory();
        var (trainerB, modelB) = NewTrainer(killed, new SyntheticData(64, 4, 16), Options, new Recorder(interruptAfterStep: 7));
        using (modelB) Assert.Throws<Interrupt>(() => trainerB.Run(resume: false));

        var resumed = new Recorder();
        var (trainerC, modelC) = NewTrainer(killed, new SyntheticData(64, 4, 16), Options, resumed);
        using (modelC) trainerC.Run(resume: true);

        Assert.Contains(resumed.Events, e => e.Kind == "resume" && e.Message.Contains("step-00000004"));
        Assert.Equal(5, resumed.Steps[0].Step); // the last checkpoint before the kill was step 4
        var expected = uninterrupted.Steps.Where(s => s.Step >= 5).Select(s => s.Loss).ToArray();
        Assert.Equal(expected, resumed.Steps.Select(s => s.Loss).ToArray()); // bit for bit
    }

    [Fact]
    public void WatchdogSkipsSpikesAndRollsBackAfterRepeatedOnes()
    {
        string output = TestPaths.NewTemporaryDirectory();
        var recorder = new Recorder();
        // Batches 30..32 have random targets: three spikes in a row after the model has learned the corpus.
        var data = new SyntheticData(64, 4, 16, poisoned: new HashSet<long> { 30, 31, 32 });
        var options = Options with { MaxSteps = 40, CheckpointInterval = 10, EvalInterval = 40, KeepCheckpoints = 5 };
        var (trainer, model) = NewTrainer(output, data, options, recorder);
        using var _ = model;
        var result = trainer.Run(resume: false);

        // Three spikes in a row: two skips, and the third skip triggers the rollback.
        Assert.Equal(3, recorder.Events.Count(e => e.Kind == "skip" && e.Message.Contains("spike")));
        var rollback = Assert.Single(recorder.Events, e => e.Kind == "rollback");
        Assert.Contains("step-00000030", rollback.Message);
        Assert.True(result.Completed);
        Assert.DoesNotContain(result.State.TrainLoss, p => p.Step is 31 or 32 or 33 && p.Loss > 3); // poisoned updates never applied
        Assert.True(result.State.BatchIndex > options.MaxSteps); // the offending batches were skipped, not replayed
    }

    [Fact]
    public void GradientAccumulationConsumesThatManyMicroBatchesPerStep()
    {
        string output = TestPaths.NewTemporaryDirectory();
        var options = Options with { MaxSteps = 3, BatchTokens = 128, CheckpointInterval = 10, EvalInterval = 10 }; // 128 / (4 · 16) = 2
        var (trainer, model) = NewTrainer(output, new SyntheticData(64, 4, 16), options, new Recorder());
        using var _ = model;
        var result = trainer.Run(resume: false);
        Assert.Equal(6, result.State.BatchIndex);
        Assert.Equal(3 * 2 * 4 * 16, result.State.TokensSeen);
    }

    [Fact]
    public void IncompleteCheckpointDirectoriesAreIgnored()
    {
        string output = TestPaths.NewTemporaryDirectory();
        var checkpoints = new TrainingCheckpoints(output, keep: 3);
        Directory.CreateDirectory(Path.Combine(checkpoints.Root, ".partial-step-00000009"));
        Directory.CreateDirectory(Path.Combine(checkpoints.Root, "step-00000008")); // no trainer_state.json: never completed
        Assert.Null(checkpoints.Latest());
    }
}
