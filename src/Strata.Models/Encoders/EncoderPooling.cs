using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Encoders;

/// <summary>How token states become one vector per text.</summary>
public enum PoolingMode
{
    /// <summary>The first ([CLS]) token's state (bge).</summary>
    Cls,

    /// <summary>The mean over real tokens (e5, MiniLM, most sentence-transformers models).</summary>
    Mean,

    /// <summary>The per-dimension maximum over real tokens.</summary>
    Max,
}

/// <summary>
/// A sentence-transformers model's pooling, as its <c>modules.json</c> and <c>1_Pooling/config.json</c> say: the mode,
/// and whether a <c>Normalize</c> module scales vectors to unit length. A folder without them pools by mean and
/// normalises (what most embedding models do); modules Strata cannot run (a <c>Dense</c> projection) are refused.
/// </summary>
public sealed record EncoderPooling(PoolingMode Mode, bool Normalize)
{
    public static EncoderPooling Default { get; } = new(PoolingMode.Mean, Normalize: true);

    /// <exception cref="InvalidDataException">A malformed or unsupported sentence-transformers configuration; names the file.</exception>
    public static EncoderPooling Read(string directory)
    {
        string modulesPath = Path.Combine(directory, "modules.json");
        if (!File.Exists(modulesPath)) return Default;
        var modules = Parse(modulesPath) as JsonArray ?? throw new InvalidDataException($"{modulesPath}: expected a JSON array of modules");
        PoolingMode? mode = null;
        bool normalize = false;
        foreach (var module in modules)
        {
            string type = module?["type"]?.GetValue<string>() ?? throw new InvalidDataException($"{modulesPath}: a module has no \"type\"");
            string name = type[(type.LastIndexOf('.') + 1)..];
            switch (name)
            {
                case "Transformer":
                    break;
                case "Normalize":
                    normalize = true;
                    break;
                case "Pooling":
                    string folder = module?["path"]?.GetValue<string>() ?? "1_Pooling";
                    mode = ReadMode(Path.Combine(directory, folder, "config.json"));
                    break;
                default:
                    throw new InvalidDataException($"{modulesPath}: module '{type}' is not supported (Strata runs Transformer, Pooling and Normalize)");
            }
        }
        return new EncoderPooling(mode ?? PoolingMode.Mean, normalize);
    }

    private static PoolingMode ReadMode(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: the Pooling module's config is missing");
        var config = Parse(path) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
        var chosen = config.Where(p => p.Key.StartsWith("pooling_mode_", StringComparison.Ordinal) && p.Value?.GetValueKind() == JsonValueKind.True)
            .Select(p => p.Key).ToList();
        if (chosen.Count != 1)
        {
            throw new InvalidDataException($"{path}: exactly one pooling_mode_* must be true (found {(chosen.Count == 0 ? "none" : string.Join(", ", chosen))})");
        }
        return chosen[0] switch
        {
            "pooling_mode_cls_token" => PoolingMode.Cls,
            "pooling_mode_mean_tokens" => PoolingMode.Mean,
            "pooling_mode_max_tokens" => PoolingMode.Max,
            var other => throw new InvalidDataException($"{path}: {other} is not supported (cls_token, mean_tokens, max_tokens)"),
        };
    }

    private static JsonNode? Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON: {e.Message}", e);
        }
    }

    // Held in a field: a temporary TorchSharp Scalar can be finalized while native code still reads it.
    private static readonly Scalar Lowest = float.MinValue.ToScalar();

    /// <summary>One vector per text from <paramref name="hidden"/> (B, T, C) and <paramref name="attentionMask"/> (B, T).</summary>
    public Tensor Apply(Tensor hidden, Tensor attentionMask)
    {
        var mask = attentionMask.to_type(hidden.dtype).unsqueeze(-1);                      // (B, T, 1)
        var pooled = Mode switch
        {
            PoolingMode.Cls => hidden.select(1, 0),
            PoolingMode.Mean => (hidden * mask).sum(1) / mask.sum(1),
            _ => hidden.masked_fill(attentionMask.logical_not().unsqueeze(-1), Lowest).amax(1),
        };                                                                                  // (B, C)
        return Normalize ? nn.functional.normalize(pooled, p: 2, dim: -1) : pooled;
    }
}
