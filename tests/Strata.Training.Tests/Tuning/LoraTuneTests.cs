using System.Security.Cryptography;
using Strata.Cli;
using Strata.Models.Adapters;
using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using Strata.Training.Loop;
using Strata.Training.Reports;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Tuning;

/// <summary>
/// <c>strata tune --lora</c>: only the adapter trains (the base's file and tensors are untouched), the output is a PEFT
/// adapter folder that <c>strata merge</c> folds into a model that generates, an interrupted run resumes to the very
/// same adapter, and bad settings are refused by flag name.
/// </summary>
public class LoraTuneTests
{
    private static readonly string Conversations = Path.Combine(TestPaths.SharedData, "conversations", "fastchat-dummy_conversation.json");

    private static async Task<string> TinyBase(string root)
    {
        string baseModel = Path.Combine(root, "base");
        var init = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", baseModel], init, init));
        return baseModel;
    }

    [Fact]
    public async Task LoraTrainsOnlyTheAdapterAndMergesIntoAModelThatGenerates()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = await TinyBase(root);
        string baseWeights = Path.Combine(baseModel, "model.safetensors");
        byte[] baseHash = SHA256.HashData(File.ReadAllBytes(baseWeights));
        string output = Path.Combine(root, "adapter");

        var log = new StringWriter();
        int code = await StrataCli.RunAsync(
            ["tune", "--stage", "command", "--model", baseModel, "--data", Conversations, "--out", output, "--lora", "--lora-rank", "4",
             "--lora-targets", "q_proj,v_proj,down_proj,embed_tokens", "--max-steps", "12", "--batch-size", "4", "--context-length", "128", "--learning-rate", "1e-2"], log, log);
        Assert.True(code == 0, log.ToString());
        Assert.Contains("LoRA adapter", log.ToString());

        Assert.Equal(baseHash, SHA256.HashData(File.ReadAllBytes(baseWeights)));
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")), "a LoRA run writes the adapter, not a copy of the model");
        var adapterConfig = LoraConfig.Load(output);
        Assert.Equal(4, adapterConfig.Rank);
        Assert.Equal(Path.GetFullPath(baseModel), adapterConfig.BaseModelNameOrPath);
        Assert.True(adapterConfig.EnsureWeightTying, "an adapted embedding stays tied to the LM head");
        using (var file = SafeTensorsFile.Open(Path.Combine(output, "adapter_model.safetensors")))
        {
            var config = ModelConfig.Load(baseModel);
            Assert.Equal(config.NumHiddenLayers * 3 * 2 + 2, file.Tensors.Count);
            // B starts at zero (the embedding's A does); after training neither is.
            using var b = file.Load("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
            Assert.True(b.abs().max().item<float>() > 0);
            using var embeddingA = file.Load("base_model.model.model.embed_tokens.lora_embedding_A");
            Assert.True(embeddingA.abs().max().item<float>() > 0);
        }

        string merged = Path.Combine(root, "merged");
        var mergeLog = new StringWriter();
        Assert.True(await StrataCli.RunAsync(["merge", "--model", baseModel, "--adapter", output, "--out", merged], mergeLog, mergeLog) == 0, mergeLog.ToString());
        Assert.Contains("rank-4", mergeLog.ToString());
        Assert.NotEqual(baseHash, SHA256.HashData(File.ReadAllBytes(Path.Combine(merged, "model.safetensors"))));
        var chat = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["generate", "--chat", "--model", merged, "--prompt", "Hello", "--max-tokens", "6", "--seed", "1"], chat, chat));
        Assert.DoesNotContain("<|im_start|>", chat.ToString());
    }

    private sealed class StopAt(int step, CancellationTokenSource cancel) : ITrainingMonitor
    {
        public void OnStep(StepReport report)
        {
            if (report.Step == step) cancel.Cancel();
        }

        public void OnValidation(int step, double loss)
        {
        }

        public void OnEvent(TrainingEvent trainingEvent)
        {
        }
    }

    [Fact]
    public async Task InterruptedLoraRunResumesToTheSameAdapter()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = await TinyBase(root);
        TuneConfig Config(string output) => new()
        {
            Model = baseModel,
            Inputs = [Conversations],
            Output = output,
            Lora = new LoraConfig { Rank = 4, Dropout = 0.1, TargetModules = ["q_proj", "o_proj", "up_proj", "embed_tokens"] },
            LoraPlusRatio = 4,
            Training = new TuneConfig().Training with { MaxSteps = 10, BatchSize = 4, ContextLength = 128, LearningRate = 1e-2, EvalInterval = 5, CheckpointInterval = 100 },
        };
        string straight = Path.Combine(root, "straight"), interrupted = Path.Combine(root, "interrupted");
        Assert.True(new TuneRecipe(Config(straight)).Run(resume: false).Result.Completed);

        using (var cancel = new CancellationTokenSource())
        {
            var first = new TuneRecipe(Config(interrupted), new StopAt(4, cancel)).Run(resume: false, cancel.Token);
            Assert.False(first.Result.Completed);
            Assert.Equal(4, first.Result.State.Step);
        }
        var resumed = new TuneRecipe(Config(interrupted)).Run(resume: true);
        Assert.True(resumed.Result.Completed);
        Assert.Contains(resumed.Result.State.Events, e => e.Kind == "resume");

        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "adapter_model.safetensors")), File.ReadAllBytes(Path.Combine(interrupted, "adapter_model.safetensors")));
        var straightState = new TrainingCheckpoints(straight, 1).Latest()!;
        Assert.True(File.Exists(Path.Combine(straightState, "adapter_model.safetensors")));
        Assert.False(File.Exists(Path.Combine(straightState, "model.safetensors")), "LoRA checkpoints hold the adapter, not the frozen base");
    }

    [Fact]
    public async Task ABfloat16BaseTrainsTheSameAdapterWithinHalfPrecision()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = await TinyBase(root);
        TuneConfig Config(string output, string dtype) => new()
        {
            Model = baseModel,
            Inputs = [Conversations],
            Output = output,
            BaseDtype = dtype,
            Lora = new LoraConfig { Rank = 4, TargetModules = ["q_proj", "v_proj", "down_proj"] },
            Training = new TuneConfig().Training with { MaxSteps = 6, BatchSize = 4, ContextLength = 128, LearningRate = 1e-2, EvalInterval = 6, CheckpointInterval = 100 },
        };
        var full = new TuneRecipe(Config(Path.Combine(root, "f32"), "float32")).Run(resume: false);
        var half = new TuneRecipe(Config(Path.Combine(root, "bf16"), "bfloat16")).Run(resume: false);
        Assert.True(half.Result.Completed);
        var fullLoss = full.Result.State.TrainLoss.Select(p => p.Loss).ToArray();
        var halfLoss = half.Result.State.TrainLoss.Select(p => p.Loss).ToArray();
        Assert.Equal(fullLoss.Length, halfLoss.Length);
        for (int i = 0; i < fullLoss.Length; i++) Assert.True(Math.Abs(fullLoss[i] - halfLoss[i]) < 0.03 * fullLoss[i], $"step {i + 1}: {fullLoss[i]} in float32, {halfLoss[i]} in bfloat16");
        Assert.NotEqual(fullLoss, halfLoss); // the base really ran in bfloat16
        Assert.True(halfLoss[^1] < halfLoss[0], "the adapter learns over a bfloat16 base");
        using var a = SafeTensorsFile.Open(Path.Combine(root, "bf16", "adapter_model.safetensors"));
        using var b = a.Load("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, b.dtype);
    }

    [Fact]
    public async Task AHalfPrecisionBaseWithoutLoraIsRefused()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = await TinyBase(root);
        var log = new StringWriter();
        Assert.NotEqual(0, await StrataCli.RunAsync(["tune", "--model", baseModel, "--data", Conversations, "--out", Path.Combine(root, "out"), "--base-dtype", "bfloat16"], log, log));
        Assert.Contains("--base-dtype", log.ToString());
        var unknown = new StringWriter();
        Assert.NotEqual(0, await StrataCli.RunAsync(["tune", "--model", baseModel, "--data", Conversations, "--out", Path.Combine(root, "out"), "--lora", "--base-dtype", "int4"], unknown, unknown));
        Assert.Contains("int4", unknown.ToString());
    }

    [Theory]
    [InlineData("--lora-targets", "q_proj,lm_head", "lm_head")]
    [InlineData("--lora-rank", "0", "--lora-rank")]
    [InlineData("--lora-dropout", "1.5", "--lora-dropout")]
    [InlineData("--loraplus-lr-ratio", "0", "--loraplus-lr-ratio")]
    [InlineData("--lora-embedding-lr-ratio", "0", "--lora-embedding-lr-ratio")]
    public async Task BadLoraSettingsAreRefusedByName(string flag, string value, string named)
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = await TinyBase(root);
        var log = new StringWriter();
        int code = await StrataCli.RunAsync(
            ["tune", "--model", baseModel, "--data", Conversations, "--out", Path.Combine(root, "out"), flag, value, "--max-steps", "2"], log, log);
        Assert.NotEqual(0, code);
        Assert.Contains(named, log.ToString());
        Assert.False(Directory.Exists(Path.Combine(root, "out", "checkpoints")));
    }
}
