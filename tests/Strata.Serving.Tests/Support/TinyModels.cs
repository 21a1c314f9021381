using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Training.Tuning;

namespace Strata.Serving.Tests.Support;

/// <summary>Tiny random-weight chat models on disk, laid out as Strata writes them (config, safetensors, tokenizer, chat template).</summary>
public static class TinyModels
{
    private static readonly Lazy<string> Shared = new(() => Create(Path.Combine(TestPaths.NewTemporaryDirectory(), "tiny-chat")));

    /// <summary>One directory shared by the tests that only read it.</summary>
    public static string SharedDirectory => Shared.Value;

    /// <summary>A 2-layer, 64-wide model over the bundled 2048-token BPE, with a ChatML template and &lt;|im_end|&gt; as EOS.</summary>
    public static string Create(string directory, int contextLength = 512, int seed = 3)
    {
        Directory.CreateDirectory(directory);
        var tokenizer = BundledTokenizer.Load();
        var config = ModelPresets.Tiny(tokenizer.VocabularySize) with
        {
            MaxPositionEmbeddings = contextLength,
            EosTokenIds = [tokenizer.SpecialTokens[ChatFormat.ImEnd]],
        };
        using var model = LlamaCheckpoint.Create(config, seed: seed);
        LlamaCheckpoint.Save(model, directory);
        BundledTokenizer.SaveTo(Path.Combine(directory, "tokenizer.json"));
        ChatFormat.WriteTokenizerConfig(directory);
        return directory;
    }
}
