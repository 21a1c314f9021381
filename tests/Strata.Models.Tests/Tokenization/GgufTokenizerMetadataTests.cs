using System.Text.Json.Nodes;
using Strata.Models.Gguf;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>
/// tokenizer.json → GGUF tokenizer metadata → StrataTokenizer.FromGguf encodes exactly as the tokenizer.json did, on
/// the common texts and every input of llama.cpp's tokenizer test vectors.
/// </summary>
public sealed class GgufTokenizerMetadataTests : IDisposable
{
    private readonly string _directory = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly Lazy<string[]> Texts = new(() =>
    [
        .. HfReference.CommonTexts,
        "<|im_start|>user\nHello 123<|im_end|>\n<|endoftext|>",
        "<s>[INST] <unk> is special [/INST]</s>",
        .. new[] { "gpt-2", "llama-spm", "deepseek-llm", "starcoder" }.SelectMany(v => VocabTestVectors.Load(v).Select(p => p.Text)),
    ]);

    private string BundledJson()
    {
        string path = Path.Combine(_directory, "bundled", "tokenizer.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        BundledTokenizer.SaveTo(path);
        return path;
    }

    /// <summary>The bundled vocabulary with another pre-tokenizer (and normalizer): SmolLM2's, Qwen2's, ...</summary>
    private string Variant(string name, string preTokenizer, string normalizer = "null")
    {
        var root = JsonNode.Parse(File.ReadAllText(BundledJson()))!.AsObject();
        root["pre_tokenizer"] = JsonNode.Parse(preTokenizer);
        root["normalizer"] = JsonNode.Parse(normalizer);
        string path = Path.Combine(_directory, name, "tokenizer.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    private StrataTokenizer ThroughGguf(StrataTokenizer tokenizer, string name, GgufTokenizerOptions? options = null)
    {
        string path = Path.Combine(_directory, name + ".gguf");
        using (var writer = new GgufWriter(path))
        {
            foreach (var (key, value) in GgufTokenizerMetadata.Create(tokenizer, options, name)) writer.AddMetadata(key, value);
            writer.Complete();
        }
        return StrataTokenizer.FromGguf(path);
    }

    private void AssertSameIds(string tokenizerJson, string expectedPre, string name)
    {
        var original = StrataTokenizer.FromTokenizerJson(tokenizerJson);
        var metadata = GgufTokenizerMetadata.Create(original, source: tokenizerJson).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(expectedPre, metadata.GetValueOrDefault("tokenizer.ggml.pre") ?? "(none)");
        var fromGguf = ThroughGguf(original, name);
        Assert.Equal(original.VocabularySize, fromGguf.VocabularySize);
        foreach (string text in Texts.Value)
            Assert.True(original.Encode(text).SequenceEqual(fromGguf.Encode(text)), $"{name}: ids differ for {GgufVocabConformanceTests.Escape(text)}");
    }

    [Fact]
    public void BundledTokenizerIsGpt2() => AssertSameIds(BundledJson(), "gpt-2", "bundled");

    [Fact]
    public void SmolLM2sDigitsThenByteLevelIsSmollm() => AssertSameIds(Variant("smollm2",
        """{"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":true},{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}]}"""),
        "smollm", "smollm2");

    [Fact]
    public void Qwen2sRegexWithNfcIsQwen2() => AssertSameIds(Variant("qwen2",
        """{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":false}]}""",
        """{"type":"NFC"}"""), "qwen2", "qwen2");

    [Fact]
    public void Llama3IsLlamaBpe() => AssertSameIds(HfReference.Llama3TokenizerJson, "llama-bpe", "llama3");

    [Fact]
    public void Llama2SentencePieceIsTheLlamaModelWithScores()
    {
        AssertSameIds(HfReference.Llama2TokenizerJson, "(none)", "llama2");
        var metadata = GgufTokenizerMetadata.Create(StrataTokenizer.FromTokenizerJson(HfReference.Llama2TokenizerJson)).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("llama", metadata["tokenizer.ggml.model"]);
        var types = (int[])metadata["tokenizer.ggml.token_type"];
        var tokens = (string[])metadata["tokenizer.ggml.tokens"];
        // <unk> is an added special token in tokenizer.json, so control (3) as convert_hf_to_gguf.py's LlamaHfVocab has it,
        // and still the unknown token.
        Assert.Equal(3, types[Array.IndexOf(tokens, "<unk>")]);
        Assert.Equal((uint)Array.IndexOf(tokens, "<unk>"), metadata["tokenizer.ggml.unknown_token_id"]);
        Assert.Equal(3, types[Array.IndexOf(tokens, "<s>")]);
        Assert.Equal(6, types[Array.IndexOf(tokens, "<0x0A>")]);
        Assert.Equal(true, metadata["tokenizer.ggml.add_bos_token"]);
    }

    [Fact]
    public void TokenTypesIdsAndTemplatesAreWritten()
    {
        var tokenizer = StrataTokenizer.FromTokenizerJson(BundledJson());
        var options = new GgufTokenizerOptions
        {
            ChatTemplate = "{{ messages }}",
            NamedChatTemplates = new Dictionary<string, string> { ["rag"] = "{{ documents }}" },
            BosTokenId = 0,
            EosTokenId = 2,
            AddBosToken = false,
            VocabularySize = 2050,
        };
        var metadata = GgufTokenizerMetadata.Create(tokenizer, options).ToDictionary(p => p.Key, p => p.Value);
        var tokens = (string[])metadata["tokenizer.ggml.tokens"];
        var types = (int[])metadata["tokenizer.ggml.token_type"];
        Assert.Equal(2050, tokens.Length);
        Assert.Equal(("<|endoftext|>", 3), (tokens[0], types[0]));
        Assert.Equal(("[PAD2049]", 5), (tokens[2049], types[2049]));
        Assert.Equal(1, types[100]);
        Assert.Equal(0u, metadata["tokenizer.ggml.bos_token_id"]);
        Assert.Equal(2u, metadata["tokenizer.ggml.eos_token_id"]);
        Assert.Equal(false, metadata["tokenizer.ggml.add_bos_token"]);
        Assert.Equal("{{ messages }}", metadata["tokenizer.chat_template"]);
        Assert.Equal("{{ documents }}", metadata["tokenizer.chat_template.rag"]);
        Assert.Equal(1789, ((string[])metadata["tokenizer.ggml.merges"]).Length);
        var back = ThroughGguf(tokenizer, "padded", options);
        Assert.Equal(2, back.EosTokenId);
        Assert.Equal(tokenizer.Encode("To be, or not to be"), back.Encode("To be, or not to be"));
    }

    [Fact]
    public void PreTokenizersLlamaCppCannotReproduceAreRefusedNamingTheFile()
    {
        string prefix = Variant("prefix", """{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}""");
        var e = Assert.Throws<NotSupportedException>(() => GgufTokenizerMetadata.Create(StrataTokenizer.FromTokenizerJson(prefix), source: prefix));
        Assert.Contains(prefix, e.Message);
        Assert.Contains("prefix space", e.Message);

        string custom = Variant("custom", """{"type":"Split","pattern":{"Regex":"\\w+|\\W"},"behavior":"Isolated","invert":false}""");
        e = Assert.Throws<NotSupportedException>(() => GgufTokenizerMetadata.Create(StrataTokenizer.FromTokenizerJson(custom), source: custom));
        Assert.Contains(custom, e.Message);
        Assert.Contains(@"\w+|\W", e.Message);
    }

    [Fact]
    public void OptionsComeFromTokenizerConfigJson()
    {
        string json = BundledJson();
        string directory = Path.GetDirectoryName(json)!;
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"),
            """{"chat_template":[{"name":"default","template":"A"},{"name":"tool_use","template":"B"}],"add_bos_token":true,"pad_token":{"content":"<|im_end|>"}}""");
        var options = GgufTokenizerMetadata.ReadOptions(directory, StrataTokenizer.FromTokenizerJson(json));
        Assert.Equal("A", options.ChatTemplate);
        Assert.Equal("B", options.NamedChatTemplates["tool_use"]);
        Assert.Equal(true, options.AddBosToken);
        Assert.Null(options.AddEosToken);
        Assert.Equal(2, options.PaddingTokenId);
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), "{ not json");
        Assert.Contains("tokenizer_config.json", Assert.Throws<InvalidDataException>(() => GgufTokenizerMetadata.ReadOptions(directory, StrataTokenizer.FromTokenizerJson(json))).Message);
    }
}
