namespace Strata.Models.Tokenization;

/// <summary>
/// The regex sequences behind GGUF's <c>tokenizer.ggml.pre</c> names. Each regex is an isolated split applied to
/// the pieces of the one before, which is how llama.cpp approximates each model's Hugging Face pre-tokenizer.
/// Patterns are rewritten for .NET where needed: .NET regexes work on UTF-16, so ranges beyond U+FFFF are
/// spelled as surrogate pairs.
/// </summary>
internal static class GgufPreTokenizers
{
    private const string Gpt2 = SplitStep.Gpt2Pattern;

    // The Llama 3 tokenizer.json pattern itself; .NET supports the (?i:...) group llama.cpp had to unroll.
    private const string Llama3 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Qwen2 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    // Cased letters of DeepSeek LLM's pattern: BMP ranges as a class, astral ranges as surrogate pairs.
    private const string DeepSeekLetters =
        @"(?:[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377" +
        @"\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5" +
        @"\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D" +
        @"\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4" +
        @"\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D" +
        @"\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4" +
        @"\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06" +
        @"\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A]" +
        @"|\uD801[\uDC00-\uDC4F\uDCB0-\uDCD3\uDCD8-\uDCFB]|\uD803[\uDC80-\uDCB2\uDCC0-\uDCF2]|\uD806[\uDCA0-\uDCDF]|\uD83A[\uDD00-\uDD43])";

    private const string CjkAndHangul = @"[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    /// <summary>Regexes for a pre-tokenizer name, or null when the name is not supported.</summary>
    public static string[]? Patterns(string name) => name switch
    {
        "gpt-2" or "gpt2" or "phi-2" or "mpt" or "olmo" or "jais" or "roberta-bpe" or "jina-es" or "jina-de" or "gigachat"
            or "jina-v1-en" or "jina-v2-es" or "jina-v2-de" or "jina-v2-code" or "gpt-neox" => [Gpt2],
        "llama3" or "llama-v3" or "llama-bpe" or "falcon3" or "dbrx" or "smaug-bpe" or "chatglm-bpe" or "gpt-4o" => [Llama3],
        "qwen2" or "stablelm2" or "deepseek-r1-qwen" or "megrez" => [Qwen2],
        "deepseek-llm" =>
        [
            @"[\r\n]",
            @"\s?" + DeepSeekLetters + "+",
            @"\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
            @"\s+$",
            CjkAndHangul,
            @"\p{N}+",
        ],
        "deepseek-coder" => [@"[\r\n]", @"\s?\p{L}+", @"\s?\p{P}+", CjkAndHangul, @"\p{N}"],
        "falcon" => [@"[\p{P}\$\+<=>\^~\|`]+", Gpt2, "[0-9][0-9][0-9]"],
        "starcoder" or "refact" or "command-r" or "smollm" or "codeshell" or "exaone" or "minerva-7b" => [@"\p{N}", Gpt2],
        "default" => [@"[\p{P}\$\+<=>\^~\|]+", Gpt2, @"\p{N}+", "[0-9][0-9][0-9]"],
        _ => null,
    };

    /// <summary>Llama 3's tokenizer.json sets ignore_merges (a word already in the vocabulary is one token); GGUF
    /// does not store the flag, so it follows from the pre-tokenizer name as in llama.cpp.</summary>
    public static bool IgnoresMerges(string name) => name is "llama3" or "llama-v3" or "llama-bpe" or "falcon3";

    public static PreTokenizerPipeline? Create(string name) =>
        Patterns(name) is { } patterns ? new PreTokenizerPipeline(patterns.Select(p => (IPreTokenizerStep)SplitStep.Isolated(p)).ToArray()) : null;
}
