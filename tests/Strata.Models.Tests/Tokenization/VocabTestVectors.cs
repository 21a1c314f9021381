using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Tokenization;

/// <summary>
/// llama.cpp's tokenizer test vectors (shared/data/tokenizer-vectors): inputs in NAME.gguf.inp separated by
/// "\n__ggml_vocab_test__\n" (the newline before a separator ends the text, it is not part of it; every input,
/// the last included, is followed by a separator), and one line of Hugging Face reference ids per input in NAME.gguf.out.
/// </summary>
public static class VocabTestVectors
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    public static string Directory => Path.Combine(TestPaths.SharedData, "tokenizer-vectors");

    public static string GgufPath(string vocab) => Path.Combine(Directory, $"ggml-vocab-{vocab}.gguf");

    public static IReadOnlyList<(string Text, int[] Ids)> Load(string vocab)
    {
        string inputs = File.ReadAllText(GgufPath(vocab) + ".inp");
        var texts = new List<string>();
        int position = 0;
        while (true)
        {
            int next = inputs.IndexOf(Separator, position, StringComparison.Ordinal);
            if (next < 0) break;
            texts.Add(inputs[position..next]);
            position = next + Separator.Length;
        }
        if (position != inputs.Length) throw new InvalidDataException($"{vocab}.inp: text after the last separator");

        string[] lines = File.ReadAllText(GgufPath(vocab) + ".out").Split('\n');
        if (lines[^1].Length == 0) lines = lines[..^1];
        if (lines.Length != texts.Count)
            throw new InvalidDataException($"{vocab}: {texts.Count} inputs but {lines.Length} output lines");
        return texts.Select((t, i) => (t, lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }
}
