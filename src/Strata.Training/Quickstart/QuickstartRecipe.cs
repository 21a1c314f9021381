using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Loading;
using Strata.Models.Tokenization;
using Strata.Training.Loop;
using Strata.Training.Pretraining;
using Strata.Training.Tuning;

namespace Strata.Training.Quickstart;

/// <summary>Settings of <c>strata quickstart</c>.</summary>
public sealed record QuickstartOptions
{
    /// <summary>Total training time; the stages share it 55 / 25 / 20.</summary>
    public double Minutes { get; init; } = 10;
    public string Output { get; init; } = Path.Combine("models", "quickstart");
    public long Seed { get; init; } = 1337;
    public int VocabSize { get; init; } = 2048;
    public ModelShape Model { get; init; } = new() { Preset = "small", Layers = 4 };
    public int ContextLength { get; init; } = 128;
    public int HeldOutExamples { get; init; } = 100;
}

/// <summary>The dialogue model's tool calls on held-out tool tasks, per decoding mode (<see cref="ToolUseEvaluator"/>).</summary>
public sealed record QuickstartToolUse(string ModelDirectory, IReadOnlyList<ToolUseResult> Modes);

/// <summary>One layer of the stack and the number that shows it improved.</summary>
public sealed record QuickstartLayer(string Name, string Directory, string Measure, double Before, double After, double? ValidationLoss,
    IReadOnlyList<(string Prompt, string Output)> Samples);

/// <summary>
/// The whole stack on the bundled corpus: train a BPE tokenizer → pretrain a base model on Tiny Shakespeare →
/// command-tune it on verifiable single-turn tasks → dialogue-tune it on multi-turn follow-ups, then measure
/// each layer against the one below it on held-out tasks.
/// </summary>
public sealed class QuickstartRecipe(QuickstartOptions options, ITrainingMonitor? monitor = null, IProgress<string>? status = null)
{
    /// <summary>Set by <see cref="Run"/>: how the dialogue model calls tools.</summary>
    public QuickstartToolUse? ToolUse { get; private set; }

    public IReadOnlyList<QuickstartLayer> Run(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(options.Output);
        string corpus = WriteCorpus(Path.Combine(options.Output, "data", "tinyshakespeare.txt"));
        double budget = options.Minutes * 60;

        var heldOut = QuickstartHeldOut.Create(options);
        var pretrain = PretrainStage(corpus, budget * 0.55) with { TokenizerInputs = [WriteToolFormat(heldOut)] };
        status?.Report("1/3 pretraining the base model");
        var baseOutcome = new PretrainRecipe(pretrain, monitor, status) { SamplePrompts = ["ROMEO:", "First Citizen:\n"] }
            .Run(resume: true, cancellationToken);
        var baseLayer = new QuickstartLayer("base", baseOutcome.ModelDirectory, "validation bits per character",
            double.NaN, baseOutcome.Result.BitsPerCharacter ?? double.NaN, baseOutcome.Result.FinalValidationLoss,
            baseOutcome.Report.Samples.Select(s => (s.Prompt, s.Completion)).ToList());

        var (commandTrain, commandHeldOut, dialogueTrain, dialogueHeldOut) = heldOut;
        QuickstartEvalTasks.Write(Path.Combine(options.Output, "eval"), options);

        status?.Report("2/3 command tuning on single-turn instructions");
        string commandData = Path.Combine(options.Output, "data", "command.jsonl");
        SyntheticTasks.WriteJsonl(commandTrain.Select(e => e.Conversation), commandData);
        var command = Tune(TuneStage.Command, baseOutcome.ModelDirectory, "command", [commandData], budget * 0.25, cancellationToken);
        var commandLayer = Compare("command", command, baseOutcome.ModelDirectory, commandHeldOut, "held-out instruction exact match");

        status?.Report("3/3 dialogue tuning on multi-turn conversations");
        string dialogueData = Path.Combine(options.Output, "data", "dialogue.jsonl");
        // Some single-turn tasks stay in the mix so dialogue tuning does not erase them, grounded answers most (the
        // served dialogue model is the one that answers from documents, and copying from the system turn is the
        // slowest of the tasks to learn).
        // The tool-use family is learned here too: the served dialogue model is the one clients give tools to.
        var kept = commandTrain.Take(1000).Concat(commandTrain.Skip(1000).Where(e => e.Kind == "grounded").Take(400));
        SyntheticTasks.WriteJsonl(dialogueTrain.Select(e => e.Conversation).Concat(kept.Select(e => e.Conversation))
            .Concat(heldOut.ToolTrain.Select(e => e.Conversation)), dialogueData);
        File.WriteAllText(Path.Combine(options.Output, "tools.json"), QuickstartTools.ToolsJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var dialogue = Tune(TuneStage.Dialogue, command.ModelDirectory, "dialogue", [dialogueData], budget * 0.20, cancellationToken);
        var dialogueLayer = Compare("dialogue", dialogue, command.ModelDirectory, dialogueHeldOut, "held-out multi-turn exact match");
        status?.Report("measuring tool use on held-out tool tasks");
        using (var model = ModelPackage.Open(dialogue.ModelDirectory).LoadTorchModel())
            ToolUse = new QuickstartToolUse(dialogue.ModelDirectory, ToolUseEvaluator.Evaluate(model, ModelPackage.Open(dialogue.ModelDirectory).Tokenizer, heldOut.ToolHeldOut));
        return [baseLayer, commandLayer, dialogueLayer];
    }

    /// <summary>
    /// The tool-use conversations as text, for the tokenizer only: Tiny Shakespeare has no JSON, and without merges for
    /// <c>&lt;tool_call&gt;</c> and <c>"arguments": {</c> a call takes 64 tokens of the 128-token context instead of about 25.
    /// </summary>
    private string WriteToolFormat(QuickstartHeldOut heldOut)
    {
        string path = Path.Combine(options.Output, "data", "tool-format.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, QuickstartTools.TokenizerSample(heldOut.ToolTrain));
        return path;
    }

    private PretrainConfig PretrainStage(string corpus, double seconds)
    {
        var modelConfig = options.Model.ToModelConfig(options.VocabSize, options.ContextLength, 0, 0);
        return new PretrainConfig
        {
            Inputs = [corpus],
            Output = Path.Combine(options.Output, "base"),
            VocabSize = options.VocabSize,
            Model = options.Model,
            Training = TimeBoxed(new TrainingOptions(), modelConfig, options.ContextLength, seconds, learningRate: 2e-3, maxWarmup: 100, evaluations: 5, checkpoints: 4),
        };
    }

    private TuneOutcome Tune(TuneStage stage, string from, string name, IReadOnlyList<string> data, double seconds, CancellationToken cancellationToken)
    {
        var config = new TuneConfig
        {
            Stage = stage,
            Model = from,
            Inputs = data,
            Output = Path.Combine(options.Output, name),
            Training = TimeBoxed(new TuneConfig().Training, ModelConfig.Load(from), context: 128, seconds, learningRate: 1e-3, maxWarmup: 30, evaluations: 4, checkpoints: 2),
        };
        return new TuneRecipe(config, monitor, status) { SamplePrompts = ["Say it twice: crown", "Uppercase: hamlet"] }
            .Run(resume: true, cancellationToken);
    }

    /// <summary>
    /// Options whose step count fits <paramref name="seconds"/> (timed by a short probe of this model shape), so the
    /// cosine schedule ends on time; evaluations and checkpoints are spread evenly over the run.
    /// </summary>
    private TrainingOptions TimeBoxed(TrainingOptions template, ModelConfig model, int context, double seconds,
        double learningRate, int maxWarmup, int evaluations, int checkpoints)
    {
        const int batch = 16;
        int steps = StepsFor(seconds, ThroughputProbe.SecondsPerStep(model, batch, context));
        return template with
        {
            MaxSteps = steps,
            BatchSize = batch,
            ContextLength = context,
            LearningRate = learningRate,
            MinLearningRate = learningRate / 10,
            WarmupSteps = Math.Min(maxWarmup, steps / 10),
            EvalInterval = Math.Max(1, steps / evaluations),
            CheckpointInterval = Math.Max(1, steps / checkpoints),
            Seed = options.Seed,
            // Tiny Shakespeare is 1 MB: a base trained for an hour overfits it (validation loss lowest at 40% of the run).
            LoadBestModelAtEnd = true,
        };
    }

    /// <summary>Exact match of the new layer against the layer below on the same held-out tasks.</summary>
    private static QuickstartLayer Compare(string name, TuneOutcome tuned, string previous, IReadOnlyList<VerifiableExample> heldOut, string measure)
    {
        string directory = tuned.ModelDirectory;
        var package = ModelPackage.Open(directory);
        var tokenizer = package.Tokenizer;
        double before;
        using (var below = ModelPackage.Open(previous).LoadTorchModel()) before = ExactMatchEvaluator.Evaluate(below, tokenizer, heldOut).Accuracy;
        using var model = package.LoadTorchModel();
        var after = ExactMatchEvaluator.Evaluate(model, tokenizer, heldOut);
        return new QuickstartLayer(name, directory, measure, before, after.Accuracy, tuned.Result.FinalValidationLoss,
            after.Samples.Take(3).Select(s => (s.Prompt, s.Actual)).ToList());
    }

    private static int StepsFor(double seconds, double secondsPerStep) => Math.Max(20, (int)(seconds / (secondsPerStep * 1.1)));

    /// <summary>The bundled Tiny Shakespeare, as the base model is pretrained on it.</summary>
    internal static Stream OpenCorpus() =>
        typeof(QuickstartRecipe).Assembly.GetManifestResourceStream("Strata.Quickstart.TinyShakespeare.txt")
            ?? throw new InvalidOperationException("the bundled corpus is missing from Strata.Training.dll");

    private static string WriteCorpus(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path)) return path;
        using var resource = OpenCorpus();
        string temporary = path + ".tmp";
        using (var file = File.Create(temporary)) resource.CopyTo(file);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
