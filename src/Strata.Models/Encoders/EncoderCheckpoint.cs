using Strata.Models.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Encoders;

/// <summary>
/// Creates, loads and saves BERT encoders as Hugging Face folders. Checkpoints name the same weights two ways:
/// sentence-transformers and <c>BertModel</c> save them bare (<c>embeddings.word_embeddings.weight</c>), pre-training
/// and classification checkpoints under <c>bert.</c>; both load.
/// </summary>
public static class EncoderCheckpoint
{
    private const string Prefix = "bert.";

    /// <summary>A module of the shape <paramref name="config"/> describes: bare BERT for embeddings, BERT + classifier otherwise.</summary>
    public static nn.Module Build(EncoderConfig config) => config.Head == EncoderHead.SequenceClassification
        ? new BertForSequenceClassification(config)
        : new BertModel(config, withPooler: false);

    /// <summary>Random weights as BERT initialises them: normal(0, 0.02) matrices and embeddings, unit LayerNorms, zero biases.</summary>
    public static nn.Module Create(EncoderConfig config, long seed = 0)
    {
        var model = Build(config);
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal)) nn.init.ones_(parameter);
                else if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
                else parameter.normal_(0, 0.02, generator);
            }
        }
        return model;
    }

    /// <summary>Loads the safetensors weights of <paramref name="directory"/> into a new module, in float32.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or has the wrong shape; the message names the folder.</exception>
    public static nn.Module Load(string directory, EncoderConfig config)
    {
        var model = Build(config);
        using var weights = CheckpointWeights.Open(directory);
        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);   // parameter name → name in the file
        foreach (string name in weights.Names)
        {
            string? parameter = expected.ContainsKey(name) ? name
                : name.StartsWith(Prefix, StringComparison.Ordinal) && expected.ContainsKey(name[Prefix.Length..]) ? name[Prefix.Length..]
                : !name.StartsWith(Prefix, StringComparison.Ordinal) && expected.ContainsKey(Prefix + name) ? Prefix + name
                : null;
            if (parameter is not null)
            {
                stored[parameter] = name;
                continue;
            }
            if (!IsIgnorable(name)) throw new InvalidDataException($"{directory}: unexpected tensor '{name}' for a {config.Architectures.FirstOrDefault()} with this config.json");
        }
        // A parameter missing from the file is reported under its own name, whichever spelling the file would use.
        weights.CopyInto(expected, stored);
        model.eval();
        return model;
    }

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> with the names <c>transformers</c> writes.</summary>
    public static void Save(nn.Module model, EncoderConfig config, string directory)
    {
        Directory.CreateDirectory(directory);
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().contiguous()))
            .ToList();
        CheckpointWeights.Save(directory, tensors, 2L << 30, new Dictionary<string, string> { ["format"] = "pt" });
        config.Save(directory);
        foreach (var (_, tensor) in tensors) tensor.Dispose();
    }

    // A pooler an embedding model does not use, MLM/NSP heads of pre-training checkpoints, and the position-id buffer
    // older transformers versions saved.
    private static bool IsIgnorable(string name) =>
        name.StartsWith("pooler.", StringComparison.Ordinal) || name.StartsWith("bert.pooler.", StringComparison.Ordinal)
        || name.StartsWith("cls.", StringComparison.Ordinal)
        || name.EndsWith("embeddings.position_ids", StringComparison.Ordinal);
}
