using System.Text.RegularExpressions;

namespace Strata.Models.Tokenization;

/// <summary>What a split does with the text a pattern matches (Hugging Face's SplitDelimiterBehavior).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>One regex split step; <paramref name="Invert"/> swaps which parts count as matches.</summary>
internal sealed record SplitStep(Regex Pattern, SplitBehavior Behavior, bool Invert = false) : IPreTokenizerStep
{
    /// <summary>GPT-2's pattern, used by ByteLevel pre-tokenizers with use_regex.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    // Multiline: the HF reference runs Oniguruma with Ruby syntax, where ^ and $ are line anchors.
    public static SplitStep Isolated(string pattern) =>
        Create(pattern, SplitBehavior.Isolated);

    public static SplitStep Create(string pattern, SplitBehavior behavior, bool invert = false) =>
        new(new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant | RegexOptions.Compiled), behavior, invert);

    public void Apply(string piece, bool firstSegment, List<string> output)
    {
        // Match against the piece alone: anchors and lookarounds see the piece's ends, as in the references.
        var parts = new List<(int Start, int End, bool Match)>();
        int previous = 0;
        foreach (var m in Pattern.EnumerateMatches(piece))
        {
            if (m.Length == 0) continue;
            if (m.Index > previous) parts.Add((previous, m.Index, Invert));
            parts.Add((m.Index, m.Index + m.Length, !Invert));
            previous = m.Index + m.Length;
        }
        if (previous < piece.Length) parts.Add((previous, piece.Length, Invert));

        foreach (var (start, end) in Combine(parts, Behavior))
            if (end > start) output.Add(piece[start..end]);
    }

    private static List<(int Start, int End)> Combine(List<(int Start, int End, bool Match)> parts, SplitBehavior behavior)
    {
        var result = new List<(int Start, int End)>(parts.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var p in parts) if (!p.Match) result.Add((p.Start, p.End));
                break;
            case SplitBehavior.Isolated:
                foreach (var p in parts) result.Add((p.Start, p.End));
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var p in parts)
                {
                    if (p.Match && !previousMatch && result.Count > 0) result[^1] = (result[^1].Start, p.End);
                    else result.Add((p.Start, p.End));
                    previousMatch = p.Match;
                }
                break;
            case SplitBehavior.MergedWithNext:
                for (int i = parts.Count - 1; i >= 0; i--)
                {
                    var p = parts[i];
                    if (p.Match && !previousMatch && result.Count > 0) result[^1] = (p.Start, result[^1].End);
                    else result.Add((p.Start, p.End));
                    previousMatch = p.Match;
                }
                result.Reverse();
                break;
            case SplitBehavior.Contiguous:
                for (int i = 0; i < parts.Count; i++)
                {
                    var p = parts[i];
                    if (i > 0 && p.Match == previousMatch) result[^1] = (result[^1].Start, p.End);
                    else result.Add((p.Start, p.End));
                    previousMatch = p.Match;
                }
                break;
        }
        return result;
    }
}


/// <summary>One stage of a pre-tokenizer: turns a piece of text into zero or more pieces.</summary>
internal interface IPreTokenizerStep
{
    /// <summary>Splits or rewrites <paramref name="piece"/> into <paramref name="output"/>; <paramref name="firstSegment"/> tells
    /// whether the piece comes from the text before any added token (for "first" prefixes).</summary>
    void Apply(string piece, bool firstSegment, List<string> output);
}

/// <summary>Prepends text to each piece (ByteLevel add_prefix_space, Metaspace prepend_scheme).</summary>
internal sealed record PrefixStep(string Prefix, bool OnlyFirstSegment, bool SkipIfPresent) : IPreTokenizerStep
{
    public void Apply(string piece, bool firstSegment, List<string> output)
    {
        bool skip = (OnlyFirstSegment && !firstSegment) || (SkipIfPresent && piece.StartsWith(Prefix, StringComparison.Ordinal));
        output.Add(skip || piece.Length == 0 ? piece : Prefix + piece);
    }
}

/// <summary>Unicode normalization of each piece (tokenizer.json NFC/NFKC/NFD/NFKD normalizers).</summary>
internal sealed record NormalizeStep(System.Text.NormalizationForm Form) : IPreTokenizerStep
{
    public void Apply(string piece, bool firstSegment, List<string> output) => output.Add(piece.Normalize(Form));
}

/// <summary>Replaces literal text in each piece (Metaspace's space → ▁).</summary>
internal sealed record ReplaceStep(string Old, string New) : IPreTokenizerStep
{
    public void Apply(string piece, bool firstSegment, List<string> output) => output.Add(piece.Replace(Old, New, StringComparison.Ordinal));
}

/// <summary>
/// Applies a sequence of steps, each to every piece the previous ones produced, the way a Hugging Face
/// <c>Sequence</c> of <c>Split</c>/<c>ByteLevel</c>/<c>Digits</c>/<c>Metaspace</c> pre-tokenizers (and llama.cpp's
/// regex lists) do. Pieces are strings rather than offsets because prefix steps insert text.
/// </summary>
internal sealed class PreTokenizerPipeline(IReadOnlyList<IPreTokenizerStep> steps)
{
    public IReadOnlyList<IPreTokenizerStep> Steps => steps;

    public List<string> Split(string text, bool firstSegment)
    {
        var pieces = new List<string>();
        if (text.Length > 0) pieces.Add(text);
        foreach (var step in steps)
        {
            var next = new List<string>(pieces.Count * 2);
            foreach (string piece in pieces) step.Apply(piece, firstSegment, next);
            pieces = next;
        }
        return pieces;
    }
}
