using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Training.Quickstart;
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

    /// <summary>
    /// Random weights in the shape of the quickstart dialogue model, which <c>strata serve</c> serves by default: the
    /// quickstart's own model shape and context (128 tokens), a BPE of its vocabulary size, ChatML with &lt;|im_end|&gt;
    /// first among the EOS ids, as the pretrain and tune recipes leave it. Training it would take minutes; what the
    /// playground has to fit is its shape.
    /// </summary>
    public static string CreateQuickstartShaped(string directory)
    {
        Directory.CreateDirectory(directory);
        var options = new QuickstartOptions();
        var tokenizer = BundledTokenizer.Load();
        if (tokenizer.VocabularySize != options.VocabSize)
        {
            throw new InvalidOperationException($"the quickstart trains a {options.VocabSize}-token BPE; the bundled one has {tokenizer.VocabularySize}");
        }
        int endOfText = tokenizer.TokenToId(BundledTokenizer.EndOfText) ?? throw new InvalidOperationException("no <|endoftext|>");
        int imEnd = tokenizer.SpecialTokens[ChatFormat.ImEnd];
        var config = options.Model.ToModelConfig(tokenizer.VocabularySize, options.ContextLength, endOfText, endOfText) with
        {
            EosTokenIds = [imEnd, endOfText],
        };
        using var model = LlamaCheckpoint.Create(config, seed: 5);
        LlamaCheckpoint.Save(model, directory);
        BundledTokenizer.SaveTo(Path.Combine(directory, "tokenizer.json"));
        ChatFormat.WriteTokenizerConfig(directory);
        return directory;
    }
}
