using System.Text.Json;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Tokenization;

/// <summary>Golden ids computed by tests/tools/hf-encode.mjs with Hugging Face's JavaScript tokenizers.</summary>
public static class HfReference
{
    public static string Llama3TokenizerJson =>
        Path.Combine(NodeTools.NodeModules, "@lenml", "tokenizer-llama3", "models", "tokenizer.json");

    public static string Llama2TokenizerJson =>
        Path.Combine(NodeTools.NodeModules, "@lenml", "tokenizer-llama2", "models", "tokenizer.json");

    public static int[][] Encode(string tokenizerJson, IReadOnlyList<string> texts)
    {
        string request = JsonSerializer.Serialize(new { tokenizer = tokenizerJson, texts });
        string output = NodeTools.RunScript("hf-encode.mjs", request);
        var ids = JsonSerializer.Deserialize<int[][]>(output) ?? throw new InvalidDataException("hf-encode.mjs printed null");
        if (ids.Length != texts.Count) throw new InvalidDataException($"hf-encode.mjs returned {ids.Length} results for {texts.Count} texts");
        return ids;
    }

    /// <summary>Texts that exercise pre-tokenizer corners: contractions, digit groups, whitespace runs, scripts, emoji.</summary>
    public static readonly string[] CommonTexts =
    [
        "Hello world",
        " Hello world",
        "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～",
        "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
        "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
        "for (int i = 0; i < 10; ++i) { sum += a[i] * 0x1F; } // C++",
        "3 33 333 3333 33333 333333 3.14159 1,000,000 2024-06-01",
        "   leading and trailing   ",
        "tabs\t\tand\nnewlines\n\n\n and \r\n crlf",
        "\n",
        "\t\n  \n",
        "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅ 👩‍👩‍👧‍👦",
        "中文分词测试，日本語のテキスト、한국어 텍스트",
        "Ünïcödé façade naïve Straße ΑΒΓ Привет мир ສະບາຍດີ",
        "!!!!!! ...... ??? ''''''```````\"\"\"\"",
        "ied 4 ½ months",
        "𝕳𝖊𝖑𝖑𝖔 𠀀𠀁 astral letters",
        "x𝕳𝖊y 1𠀀 a𝟙𝟚3 don𝐭 𐐀𐐁",
        "𝟙𝟚𝟛𝟜𝟝𝟞𝟟 𝐀𝐁𝐂𝐃𝐄𝐅 𝐚𝐛𝐜𝐝 𠀀𠀁𠀂abc𠀃 a𝐀b𝐁c 𝓗𝓮𝓵𝓵𝓸 wörld𝐬",
        "",
    ];
}
