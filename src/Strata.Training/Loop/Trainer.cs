using System.Diagnostics;
using System.Text.Json.Nodes;
using Strata.Models.Llama;
using Strata.Training.Reports;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Training.Loop;

/// <summary>One optimizer step as the monitor sees it.</summary>
public sealed record StepReport(int Step, int MaxSteps, double Loss, double GradientNorm, double LearningRate, double TokensPerSecond, long TokensSeen);

/// <summary>Receives progress: the CLI draws a progress bar, tests observe or interrupt.</summary>
public interface ITrainingMonitor
{
    void OnStep(StepReport report);
    void OnValidation(int step, double loss);
    void OnEvent(TrainingEvent trainingEvent);
}

/// <summary>How a run ended and what it measured.</summary>
public sealed record TrainingResult(
    TrainerState State, bool Completed, double? FinalValidationLoss, double? BitsPerCharacter, double TokensPerSecond, double? ModelFlopsUtilization);

/// <summary>
/// The training loop shared by pretraining and tuning: AdamW with decay on matrices only, warm-up + cosine
/// schedule, gradient accumulation and clipping, periodic validation, atomic checkpoints, exact resume and
/// a loss watchdog that skips bad steps and rolls back after repeated ones.
/// </summary>
public sealed class Trainer
{
    private readonly LlamaForCausalLM model;
    private readonly ITrainingData data;
    private readonly TrainingOptions options;
    private readonly string outputDirectory, tokenizerJson;
    private readonly JsonNode resolvedConfig;
    private readonly ITrainingMonitor? monitor;
    private readonly double? peakFlopsPerSecond;
    private readonly TrainingCheckpoints checkpoints;
    private readonly ITrainedWeights trained;
    private readonly List<Parameter> parameters;
    private readonly ITrainingObjective objective;

    public Trainer(LlamaForCausalLM model, ITrainingData data, TrainingOptions options, string outputDirectory, string tokenizerJson,
        JsonNode resolvedConfig, ITrainingMonitor? monitor = null, double? peakFlopsPerSecond = null, ITrainedWeights? trained = null,
        ITrainingObjective? objective = null)
    {
        options.Validate();
        options = options.Resolved();
        (this.model, this.data, this.options, this.outputDirectory, this.tokenizerJson) = (model, data, options, outputDirectory, tokenizerJson);
        (this.resolvedConfig, this.monitor, this.peakFlopsPerSecond) = (resolvedConfig, monitor, peakFlopsPerSecond);
        checkpoints = new TrainingCheckpoints(outputDirectory, options.KeepCheckpoints);
        this.trained = trained ?? new WholeModel(model);
        parameters = this.trained.Parameters.Select(p => p.Parameter).ToList();
        this.objective = objective ?? NextTokenLoss.Instance;
    }

    /// <summary>Model FLOPs per trained token: 6·N for the matrices plus 12·L·d·T for attention (PaLM / nanoGPT).</summary>
    public double FlopsPerToken => 6.0 * model.parameters().Sum(p => p.numel())
        + 12.0 * model.Config.NumHiddenLayers * model.Config.HiddenSize * options.ContextLength;

    public TrainingResult Run(bool resume, CancellationToken cancellationToken = default)
    {
        using var optimizer = CreateOptimizer();
        var watchdog = new LossWatchdog(options);
        var state = new TrainerState();
        string? latest = resume ? checkpoints.Latest() : null;
        if (latest is not null)
        {
            state = TrainingCheckpoints.Restore(latest, trained, optimizer);
            watchdog.Restore(state.WatchdogWindow);
            state = Log(state, new TrainingEvent(state.Step, "resume", $"resumed from {Path.GetFileName(latest)}"));
        }
        var trainLoss = state.TrainLoss.ToList();
        var validationLoss = state.ValidationLoss.ToList();
        var clock = Stopwatch.StartNew();
        double elapsedBefore = state.ElapsedSeconds, stepSeconds = 0;
        long stepTokens = 0;
        int lastCheckpointStep = latest is null ? -1 : state.Step;
        bool completed = true;
        Train(true);

        while (state.Step < options.MaxSteps)
        {
            if (cancellationToken.IsCancellationRequested
                || (options.MaxMinutes is double limit && elapsedBefore + clock.Elapsed.TotalSeconds > limit * 60))
            {
                completed = false;
                break;
            }
            var stepClock = Stopwatch.StartNew();
            trained.SeedStep(options.Seed * 1_000_003L + state.Step);
            double learningRate = LearningRateSchedule.At(state.Step, options);
            optimizer.LearningRate = learningRate;
            var (loss, gradientNorm, tokens) = ForwardBackward(state.BatchIndex);
            var (verdict, reason) = watchdog.Judge(loss, gradientNorm);
            using (NewDisposeScope())
            {
                // AdamW's temporaries (bias-corrected denominators) are freed here, not by the finalizer.
                if (verdict == WatchdogVerdict.Accept) optimizer.Step();
                optimizer.ZeroGrad();
            }
            long nextBatch = state.BatchIndex + options.GradientAccumulation;
            state = state with { Step = state.Step + 1, BatchIndex = nextBatch, TokensSeen = state.TokensSeen + tokens };
            if (verdict == WatchdogVerdict.Accept) trainLoss.Add(new LossPoint(state.Step, state.TokensSeen, loss));
            else state = Log(state, new TrainingEvent(state.Step, "skip", $"skipped step {state.Step}: {reason}"));
            if (verdict == WatchdogVerdict.RollBack) state = RollBack(state, optimizer, watchdog, trainLoss, validationLoss);
            stepSeconds += stepClock.Elapsed.TotalSeconds;
            stepTokens += tokens;
            monitor?.OnStep(new StepReport(state.Step, options.MaxSteps, loss, gradientNorm, learningRate, stepTokens / stepSeconds, state.TokensSeen));

            if (state.Step % options.EvalInterval == 0 || state.Step == options.MaxSteps)
            {
                double validation = Evaluate(options.EvalTokens).Loss;
                validationLoss.Add(new LossPoint(state.Step, state.TokensSeen, validation));
                if (validation < (state.BestValidationLoss ?? double.PositiveInfinity))
                {
                    state = state with { BestValidationLoss = validation, BestStep = state.Step };
                    if (options.LoadBestModelAtEnd) checkpoints.SaveBest(trained);
                }
                monitor?.OnValidation(state.Step, validation);
            }
            if (state.Step % options.CheckpointInterval == 0)
            {
                SaveCheckpoint(Snapshot(state, watchdog, trainLoss, validationLoss, elapsedBefore + clock.Elapsed.TotalSeconds), optimizer);
                lastCheckpointStep = state.Step;
            }
        }

        state = Snapshot(state, watchdog, trainLoss, validationLoss, elapsedBefore + clock.Elapsed.TotalSeconds);
        if (lastCheckpointStep != state.Step) SaveCheckpoint(state, optimizer);
        if (completed && options.LoadBestModelAtEnd && state.BestStep is int best && best != state.Step && checkpoints.Best() is { } bestWeights)
        {
            trained.Load(bestWeights);
            state = Log(state, new TrainingEvent(state.Step, "best", $"exporting the weights of step {best} (validation loss {state.BestValidationLoss:F4}), "
                + $"the lowest of the run, not the last step's ({validationLoss[^1].Loss:F4})"));
        }
        var (finalLoss, bitsPerCharacter) = completed ? Evaluate(null) : (double.NaN, null);
        if (completed) ExportModel();
        double tokensPerSecond = stepSeconds > 0 ? stepTokens / stepSeconds : 0;
        double? mfu = peakFlopsPerSecond is double peak && tokensPerSecond > 0 ? tokensPerSecond * FlopsPerToken / peak : null;
        return new TrainingResult(state, completed, completed ? finalLoss : null, bitsPerCharacter, tokensPerSecond, mfu);
    }

    private (double Loss, double GradientNorm, long Tokens) ForwardBackward(long firstBatch)
    {
        double lossSum = 0;
        long tokens = 0;
        for (int micro = 0; micro < options.GradientAccumulation; micro++)
        {
            using var scope = NewDisposeScope();
            using var batch = data.Batch(firstBatch + micro);
            var logits = model.forward(batch.Inputs, attentionMask: batch.AttentionMask);                 // (B, T, V)
            var loss = objective.Loss(logits, batch);
            using var scale = (1.0 / options.GradientAccumulation).ToScalar(); // kept alive across the native call
            loss.mul(scale).backward();
            lossSum += loss.item<float>();
            tokens += batch.Inputs.numel();
        }
        double norm = nn.utils.clip_grad_norm_(parameters, options.GradClip > 0 ? options.GradClip : double.MaxValue);
        return (lossSum / options.GradientAccumulation, norm, tokens);
    }

    /// <summary>Mean validation loss (nats per target token) and, when the data knows its characters, bits per character.</summary>
    public (double Loss, double? BitsPerCharacter) Evaluate(long? maxTokens)
    {
        Train(false);
        double nats = 0;
        long counted = 0;
        using (no_grad())
        {
            foreach (var batch in data.Validation(maxTokens))
            {
                using var scope = NewDisposeScope();
                using var _ = batch;
                var logits = model.forward(batch.Inputs, attentionMask: batch.AttentionMask);
                var sum = F.cross_entropy(logits.view(-1, logits.shape[^1]).to_type(ScalarType.Float32), batch.Targets.view(-1), ignore_index: -100, reduction: nn.Reduction.Sum);
                nats += sum.item<float>();
                using var ignored = (-100L).ToScalar();
                counted += batch.Targets.ne(ignored).sum().item<long>();
            }
        }
        Train(true);
        if (counted == 0) return (double.NaN, null);
        double loss = nats / counted;
        double? bpc = data.ValidationCharactersPerToken is double charsPerToken ? loss / charsPerToken / Math.Log(2) : null;
        return (loss, bpc);
    }

    private AdamW CreateOptimizer() =>
        new(trained.Parameters, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);

    private void Train(bool on)
    {
        model.train(on);
        trained.Module.train(on);
    }

    private TrainerState RollBack(TrainerState state, AdamW optimizer, LossWatchdog watchdog, List<LossPoint> trainLoss, List<LossPoint> validationLoss)
    {
        string? latest = checkpoints.Latest();
        if (latest is null) return Log(state, new TrainingEvent(state.Step, "rollback", "repeated bad steps but no checkpoint yet; continuing"));
        var restored = TrainingCheckpoints.Restore(latest, trained, optimizer);
        watchdog.Restore(restored.WatchdogWindow);
        trainLoss.RemoveAll(p => p.Step > restored.Step);
        validationLoss.RemoveAll(p => p.Step > restored.Step);
        // Keep the data position: the batches that caused the spikes are skipped, not replayed.
        // The best evaluation so far stays the best: its weights are still in checkpoints/best.
        var next = restored with { BatchIndex = state.BatchIndex, Events = state.Events, BestValidationLoss = state.BestValidationLoss, BestStep = state.BestStep };
        return Log(next, new TrainingEvent(restored.Step, "rollback",
            $"rolled back from step {state.Step} to {Path.GetFileName(latest)}; skipping batches up to {state.BatchIndex}"));
    }

    private TrainerState Log(TrainerState state, TrainingEvent trainingEvent)
    {
        monitor?.OnEvent(trainingEvent);
        return state with { Events = [.. state.Events, trainingEvent] };
    }

    private static TrainerState Snapshot(TrainerState state, LossWatchdog watchdog, List<LossPoint> train, List<LossPoint> validation, double elapsed) =>
        state with { WatchdogWindow = watchdog.Window.ToList(), TrainLoss = train.ToList(), ValidationLoss = validation.ToList(), ElapsedSeconds = elapsed };

    private void SaveCheckpoint(TrainerState state, AdamW optimizer)
    {
        string path = checkpoints.Save(trained, optimizer, state, tokenizerJson, resolvedConfig);
        monitor?.OnEvent(new TrainingEvent(state.Step, "checkpoint", $"saved {Path.GetFileName(path)}"));
    }

    /// <summary>The final model as a plain HF directory (or the adapter, in PEFT's layout) at the top of the output directory.</summary>
    private void ExportModel()
    {
        trained.Save(outputDirectory);
        string target = Path.Combine(outputDirectory, "tokenizer.json");
        if (Path.GetFullPath(target) != Path.GetFullPath(tokenizerJson)) File.Copy(tokenizerJson, target, overwrite: true);
    }
}
