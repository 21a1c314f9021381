using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Adapters;
using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Native;
using Strata.Models.Tests.Support;
using TorchSharp;

namespace Strata.Models.Tests.Adapters;

/// <summary>
/// LoRA adapters in PEFT's format: adapters written by an independent numpy script (tests/tools/lora_reference.py)
/// from PEFT's format definition load and give the reference's log-probabilities, attached or merged; adapters Strata
/// writes carry exactly PEFT's keys, shapes and config keys; adapters that do not fit are refused by name.
/// </summary>
public sealed class LoraAdapterTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly string temp = Directory.CreateTempSubdirectory("strata-lora-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    private sealed record Golden(string @base, int[] input_ids, double[] token_logprobs);

    private static (string AdapterDir, string BaseDir, Golden Golden) Case(string name)
    {
        string dir = Path.Combine(TestPaths.Golden, "adapters", name);
        var golden = JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(dir, "golden.json")))!;
        return (dir, Path.Combine(TestPaths.Golden, "models", golden.@base), golden);
    }

    private static void AssertMatches(Golden golden, double[] actual, string what)
    {
        Assert.Equal(golden.token_logprobs.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(golden.token_logprobs[i] - actual[i]) < Tolerance, $"{what}: token {i + 1}: reference {golden.token_logprobs[i]}, Strata {actual[i]}");
        }
    }

    [Theory]
    [InlineData("llama-gqa-untied-all-r4")]
    [InlineData("qwen2-bias-tied-qv-rslora")]
    [InlineData("qwen2-bias-tied-embed-qv")]
    public void PeftAdapterAttachedOrMergedMatchesReference(string name)
    {
        var (adapterDir, baseDir, golden) = Case(name);
        using var model = LlamaCheckpoint.Load(baseDir);
        using var adapter = LoraAdapter.Load(adapterDir, model.Config);
        model.Attach(adapter);
        AssertMatches(golden, LanguageModelScoring.TokenLogProbs(model, golden.input_ids), $"{name} attached");

        // Merged into a fresh copy of the base, saved as a plain checkpoint, read by the native runtime.
        using var merged = LlamaCheckpoint.Load(baseDir);
        adapter.MergeInto(merged);
        Assert.Null(merged.Adapter);
        AssertMatches(golden, LanguageModelScoring.TokenLogProbs(merged, golden.input_ids), $"{name} merged");
        string mergedDir = Path.Combine(temp, name);
        LlamaCheckpoint.Save(merged, mergedDir);
        using var native = NativeBackend.FromCheckpoint(ModelConfig.Load(mergedDir), mergedDir);
        AssertMatches(golden, native.TokenLogProbs(golden.input_ids), $"{name} merged, native runtime");
    }

    [Fact]
    public void FreshAdapterLeavesTheModelUnchanged()
    {
        var (_, baseDir, golden) = Case("llama-gqa-untied-all-r4");
        using var model = LlamaCheckpoint.Load(baseDir);
        double[] before = LanguageModelScoring.TokenLogProbs(model, golden.input_ids);
        using var adapter = LoraAdapter.Create(model.Config, new LoraConfig { TargetModules = LoraConfig.KnownTargets }, seed: 3);
        model.Attach(adapter);
        Assert.Equal(before, LanguageModelScoring.TokenLogProbs(model, golden.input_ids));
        Assert.Equal(model.named_parameters().Count(), LlamaCheckpoint.Load(baseDir).named_parameters().Count());
    }

    /// <summary>The expected names and shapes are written out here from PEFT's layout, not derived from Strata's code.</summary>
    [Fact]
    public void SavedAdapterHasPeftKeysShapesAndConfig()
    {
        var (_, baseDir, golden) = Case("llama-gqa-untied-all-r4");
        using var model = LlamaCheckpoint.Load(baseDir);
        // llama-gqa-untied: hidden 64, 4 heads and 2 K/V heads of 16, MLP 128, 2 layers.
        var config = new LoraConfig { Rank = 8, Alpha = 16, Dropout = 0.1, UseRsLora = true, BaseModelNameOrPath = "tiny-base", TargetModules = ["q_proj", "v_proj", "down_proj"] };
        using var adapter = LoraAdapter.Create(model.Config, config, seed: 5);
        using (torch.no_grad())
        {
            foreach (var p in adapter.parameters()) p.normal_(0, 0.1);
        }
        string dir = Path.Combine(temp, "saved");
        adapter.Save(dir);

        var expected = new Dictionary<string, long[]>();
        for (int layer = 0; layer < 2; layer++)
        {
            expected[$"base_model.model.model.layers.{layer}.self_attn.q_proj.lora_A.weight"] = [8, 64];
            expected[$"base_model.model.model.layers.{layer}.self_attn.q_proj.lora_B.weight"] = [64, 8];
            expected[$"base_model.model.model.layers.{layer}.self_attn.v_proj.lora_A.weight"] = [8, 64];
            expected[$"base_model.model.model.layers.{layer}.self_attn.v_proj.lora_B.weight"] = [32, 8];
            expected[$"base_model.model.model.layers.{layer}.mlp.down_proj.lora_A.weight"] = [8, 128];
            expected[$"base_model.model.model.layers.{layer}.mlp.down_proj.lora_B.weight"] = [64, 8];
        }
        using (var file = SafeTensorsFile.Open(Path.Combine(dir, "adapter_model.safetensors")))
        {
            Assert.Equal(expected.Keys.Order(), file.Tensors.Keys.Order());
            foreach (var (key, shape) in expected)
            {
                Assert.Equal(shape, file.Info(key).Shape.ToArray());
                Assert.Equal(SafeTensorDType.F32, file.Info(key).DType);
            }
        }
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")))!;
        Assert.Equal("LORA", (string?)json["peft_type"]);
        Assert.Equal("CAUSAL_LM", (string?)json["task_type"]);
        Assert.Equal(8, (int?)json["r"]);
        Assert.Equal(16.0, (double?)json["lora_alpha"]);
        Assert.Equal(0.1, (double?)json["lora_dropout"]);
        Assert.Equal("none", (string?)json["bias"]);
        Assert.True((bool?)json["use_rslora"]);
        Assert.Equal("tiny-base", (string?)json["base_model_name_or_path"]);
        Assert.Equal(["q_proj", "v_proj", "down_proj"], json["target_modules"]!.AsArray().Select(t => (string?)t));

        // And back: the same updates.
        using var loaded = LoraAdapter.Load(dir, model.Config);
        Assert.Equal(16 / Math.Sqrt(8), loaded.Config.Scale, 12);   // rsLoRA: alpha / √r
        foreach (var (layer, target) in new[] { (0, "q_proj"), (1, "v_proj"), (1, "down_proj") })
        {
            Assert.True(adapter[layer, target]!.A.allclose(loaded[layer, target]!.A, rtol: 0, atol: 0));
            Assert.True(adapter[layer, target]!.B.allclose(loaded[layer, target]!.B, rtol: 0, atol: 0));
        }
        Assert.Null(loaded[0, "k_proj"]);
    }

    /// <summary>PEFT's names and shapes for an adapted embedding, written out here: lora_embedding_A [r, vocab], lora_embedding_B [hidden, r].</summary>
    [Fact]
    public void AnAdaptedEmbeddingStartsUnchangedAndIsSavedWithPeftKeysAndTying()
    {
        var (_, baseDir, golden) = Case("qwen2-bias-tied-embed-qv");
        using var model = LlamaCheckpoint.Load(baseDir);
        double[] before = LanguageModelScoring.TokenLogProbs(model, golden.input_ids);
        var config = new LoraConfig { Rank = 4, TargetModules = ["q_proj", "embed_tokens"], EnsureWeightTying = true };
        using var adapter = LoraAdapter.Create(model.Config, config, seed: 7);
        model.Attach(adapter);
        Assert.True(adapter.AdaptsOutput);
        Assert.Equal(before, LanguageModelScoring.TokenLogProbs(model, golden.input_ids));   // A starts at zero

        using (torch.no_grad())
        {
            foreach (var p in adapter.parameters()) p.normal_(0, 0.1);
        }
        string dir = Path.Combine(temp, "embedding");
        adapter.Save(dir);
        int vocab = model.Config.VocabSize, hidden = model.Config.HiddenSize;
        using (var file = SafeTensorsFile.Open(Path.Combine(dir, "adapter_model.safetensors")))
        {
            Assert.Equal([4, vocab], file.Info("base_model.model.model.embed_tokens.lora_embedding_A").Shape.ToArray());
            Assert.Equal([hidden, 4], file.Info("base_model.model.model.embed_tokens.lora_embedding_B").Shape.ToArray());
            Assert.Equal(2 + 2 * model.Config.NumHiddenLayers, file.Tensors.Count);
        }
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")))!;
        Assert.True((bool?)json["ensure_weight_tying"]);
        Assert.Contains("embed_tokens", json["target_modules"]!.AsArray().Select(t => (string?)t));
        using var loaded = LoraAdapter.Load(dir, model.Config);
        Assert.True(adapter.Embedding!.A.allclose(loaded.Embedding!.A, rtol: 0, atol: 0));
        Assert.True(adapter.Embedding.B.allclose(loaded.Embedding.B, rtol: 0, atol: 0));
        Assert.True(loaded.AdaptsOutput);
    }

    [Fact]
    public void AnAdaptedEmbeddingOfATiedHeadNeedsWeightTyingToBeServed()
    {
        var (adapterDir, baseDir, _) = Case("qwen2-bias-tied-embed-qv");
        string dir = Path.Combine(temp, "untied-adapter");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(adapterDir, "adapter_model.safetensors"), Path.Combine(dir, "adapter_model.safetensors"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, "adapter_config.json")))!.AsObject();
        json.Remove("ensure_weight_tying");
        File.WriteAllText(Path.Combine(dir, "adapter_config.json"), json.ToJsonString());
        using var backend = NativeBackend.FromCheckpoint(ModelConfig.Load(baseDir), baseDir);
        var error = Assert.Throws<InvalidDataException>(() => backend.LoadAdapter(dir));
        Assert.Contains("ensure_weight_tying", error.Message);
    }

    [Fact]
    public void AdapterForAnotherBaseIsRefusedNamingTheTensor()
    {
        var (adapterDir, _, _) = Case("llama-gqa-untied-all-r4");
        var other = ModelConfig.Load(Path.Combine(TestPaths.Golden, "models", "llama3-scaling"));   // hidden 48, not 64
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapter.Load(adapterDir, other));
        Assert.Matches(@"tensor 'base_model\.model\.model\.layers\.0\.(self_attn|mlp)\.[a-z]+_proj\.lora_A\.weight' has shape", error.Message);
        Assert.Contains("another base model", error.Message);
    }

    [Fact]
    public void UnknownTargetModulesAreRefusedByName()
    {
        var (adapterDir, _, _) = Case("qwen2-bias-tied-qv-rslora");
        string dir = Path.Combine(temp, "bad");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(adapterDir, "adapter_model.safetensors"), Path.Combine(dir, "adapter_model.safetensors"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, "adapter_config.json")))!;
        json["target_modules"] = new JsonArray("q_proj", "qkv_proj");
        File.WriteAllText(Path.Combine(dir, "adapter_config.json"), json.ToJsonString());
        var config = ModelConfig.Load(Path.Combine(TestPaths.Golden, "models", "qwen2-bias-tied"));
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapter.Load(dir, config));
        Assert.Contains("target_modules", error.Message);
        Assert.Contains("'qkv_proj'", error.Message);

        Assert.Contains("lm_head", Assert.Throws<ArgumentException>(() => new LoraConfig { TargetModules = ["lm_head"] }.Validate()).Message);
        Assert.Contains("--lora-rank", Assert.Throws<ArgumentException>(() => new LoraConfig { Rank = 0 }.Validate()).Message);
    }

    [Fact]
    public void AnAdapterWithExtraLayersIsRefused()
    {
        // The qwen2 base has 2 layers; an adapter saved for a 3-layer model of the same width has a layer too many.
        var baseConfig = ModelConfig.Load(Path.Combine(TestPaths.Golden, "models", "qwen2-bias-tied"));
        using var deeper = LoraAdapter.Create(baseConfig with { NumHiddenLayers = 3 }, new LoraConfig { TargetModules = ["q_proj"] });
        string dir = Path.Combine(temp, "deeper");
        deeper.Save(dir);
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapter.Load(dir, baseConfig));
        Assert.Contains("layers.2.", error.Message);
    }
}

/// <summary>
/// The native runtime serves adapters over one copy of the base weights: sequences with an adapter and without one,
/// decoding and prefilling, share each step, and each matches the numpy reference for its own adapter.
/// </summary>
public sealed class NativeAdapterTests
{
    private sealed record Golden(int[] input_ids, double[] token_logprobs);

    [Theory]
    [InlineData("llama-gqa-untied-all-r4", "llama-gqa-untied")]
    [InlineData("qwen2-bias-tied-embed-qv", "qwen2-bias-tied")]   // an adapted embedding, tied to the head
    public void MixedBatchOfAdaptersMatchesTheReference(string adapterCase, string baseCase)
    {
        string adapterDir = Path.Combine(TestPaths.Golden, "adapters", adapterCase);
        string baseDir = Path.Combine(TestPaths.Golden, "models", baseCase);
        var adapted = JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(adapterDir, "golden.json")))!;
        var plain = JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(baseDir, "golden.json")))!;
        int[] ids = adapted.input_ids;
        Assert.Equal(ids, plain.input_ids);

        using var backend = NativeBackend.FromCheckpoint(ModelConfig.Load(baseDir), baseDir);
        int adapter = backend.LoadAdapter(adapterDir);
        Assert.Equal(1, adapter);
        using var pool = backend.NewCachePool(4);
        using var a = pool.Rent();
        using var b = pool.Rent();
        using var c = pool.Rent();
        int vocab = backend.VocabularySize;
        var logits = new float[3 * vocab];
        const int Prefill = 10;

        // Step 0: A and B take the first token; C prefills ten tokens with the adapter. Then all decode together.
        backend.Step([new SequenceStep([ids[0]], a, adapter), new SequenceStep([ids[0]], b), new SequenceStep(ids[..Prefill], c, adapter)], logits);
        Check(adapted, 0, logits.AsSpan(0, vocab), ids[1], "adapter, decoding");
        Check(plain, 0, logits.AsSpan(vocab, vocab), ids[1], "base, decoding");
        Check(adapted, Prefill - 1, logits.AsSpan(2 * vocab, vocab), ids[Prefill], "adapter, after a prefill");
        for (int t = 1; t + 1 < ids.Length; t++)
        {
            var steps = new List<SequenceStep> { new([ids[t]], a, adapter), new([ids[t]], b) };
            if (t >= Prefill) steps.Add(new([ids[t]], c, adapter));
            backend.Step(steps, logits);
            Check(adapted, t, logits.AsSpan(0, vocab), ids[t + 1], "adapter, decoding");
            Check(plain, t, logits.AsSpan(vocab, vocab), ids[t + 1], "base, decoding");
            if (t >= Prefill) Check(adapted, t, logits.AsSpan(2 * vocab, vocab), ids[t + 1], "adapter, after a prefill");
        }
        using var d = pool.Rent();
        Assert.Contains("adapter 2 is not loaded", Assert.Throws<ArgumentException>(() => backend.Step([new SequenceStep([ids[0]], d, 2)], new float[vocab])).Message);
    }

    private static void Check(Golden golden, int t, ReadOnlySpan<float> row, int next, string what)
    {
        double actual = LogitMath.LogProbability(row, next);
        Assert.True(Math.Abs(golden.token_logprobs[t] - actual) < 1e-4, $"{what}: token {t + 1}: reference {golden.token_logprobs[t]}, Strata {actual}");
    }
}
