using Strata.Models.Configuration;
using Strata.Models.Llama;
using TorchSharp;

namespace Strata.Models.Tests.Llama;

/// <summary>
/// Real model shapes built on the meta device: no weights are allocated. Expected parameter counts are
/// the published sizes of the Hugging Face checkpoints (sum of tensor sizes in their safetensors).
/// </summary>
public class MetaShapeTests
{
    public static TheoryData<string, long> PublishedSizes => new()
    {
        { "SmolLM2-135M", 134_515_008 },
        { "Llama-3.2-1B", 1_235_814_400 },
        { "Qwen2.5-0.5B", 494_032_768 },
    };

    private static ModelConfig ConfigFor(string name) => name switch
    {
        "SmolLM2-135M" => ModelPresets.SmolLM2_135M,
        "Llama-3.2-1B" => ModelPresets.Llama32_1B,
        "Qwen2.5-0.5B" => ModelPresets.Qwen25_05B,
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(PublishedSizes))]
    public void ParameterCountMatchesThePublishedCheckpoint(string name, long expected)
    {
        using var model = LlamaCheckpoint.Create(ConfigFor(name), torch.META);
        Assert.All(model.parameters(), p => Assert.True(p.is_meta));
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Llama32LayerShapesAndNamesMatchHuggingFace()
    {
        using var model = LlamaCheckpoint.Create(ModelPresets.Llama32_1B, torch.META);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([128256L, 2048], shapes["model.embed_tokens.weight"]);
        Assert.Equal([2048L, 2048], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([512L, 2048], shapes["model.layers.15.self_attn.k_proj.weight"]);
        Assert.Equal([512L, 2048], shapes["model.layers.15.self_attn.v_proj.weight"]);
        Assert.Equal([2048L, 2048], shapes["model.layers.3.self_attn.o_proj.weight"]);
        Assert.Equal([8192L, 2048], shapes["model.layers.7.mlp.gate_proj.weight"]);
        Assert.Equal([2048L, 8192], shapes["model.layers.7.mlp.down_proj.weight"]);
        Assert.Equal([2048L], shapes["model.layers.0.input_layernorm.weight"]);
        Assert.Equal([2048L], shapes["model.norm.weight"]);
        Assert.False(shapes.ContainsKey("lm_head.weight")); // tied
        Assert.Equal(16 * 9 + 2, shapes.Count);
    }

    [Fact]
    public void QwenHasQkvBiasesButNoOutputBias()
    {
        using var model = LlamaCheckpoint.Create(ModelPresets.Qwen25_05B, torch.META);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", names);
        Assert.Contains("model.layers.0.self_attn.k_proj.bias", names);
        Assert.Contains("model.layers.0.self_attn.v_proj.bias", names);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
    }
}
