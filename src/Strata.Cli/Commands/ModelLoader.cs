using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Tokenization;

namespace Strata.Cli.Commands;

/// <summary>Opens a model directory (config.json + safetensors + tokenizer.json) for the commands.</summary>
internal static class ModelLoader
{
    public static LlamaForCausalLM LoadModel(string directory)
    {
        RequireDirectory(directory);
        return LlamaCheckpoint.Load(directory);
    }

    public static StrataTokenizer LoadTokenizer(string directory)
    {
        RequireDirectory(directory);
        string path = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no tokenizer.json in the model directory", path);
        return StrataTokenizer.FromTokenizerJson(path);
    }

    /// <summary>Encodes <paramref name="text"/>, prefixed with the model's BOS token when it has one and <paramref name="addBos"/>.</summary>
    public static IReadOnlyList<int> Encode(StrataTokenizer tokenizer, ModelConfig config, string text, bool addBos)
    {
        var ids = new List<int>();
        if (addBos && (config.BosTokenId ?? tokenizer.BosTokenId) is int bos) ids.Add(bos);
        ids.AddRange(tokenizer.Encode(text, addBos: false));
        return ids;
    }

    private static void RequireDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model directory not found");
    }
}
