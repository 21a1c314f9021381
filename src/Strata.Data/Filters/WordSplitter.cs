using System.Text.RegularExpressions;

namespace Strata.Data.Filters;

/// <summary>
/// Words and sentences the way datatrove's English rules see them. datatrove uses NLTK (Punkt sentences, then the
/// Treebank word tokenizer), which is not available to .NET; this follows the Treebank conventions that matter to the
/// rules' counts: punctuation is its own token (so "end." is two words and symbol-only tokens exist), "..." is one
/// token, contractions split ("don't" → "do", "n't"), a comma or colon inside a number stays. Known difference: Punkt's
/// abbreviation list is not modelled, so "Mr." loses its period to a token of its own.
/// </summary>
internal static partial class WordSplitter
{
    private const string Openers = "([{<\"'`“‘«";
    private const string Closers = ")]}>\"'”’».,;:!?";

    // The Gopher and FineWeb rules each split the same text into words; a document's stages run on one thread, so
    // each thread remembers its last split. Keyed by the string instance: a stage that rewrites the text makes a new
    // string, and strings never change, so a hit is always the same text.
    [ThreadStatic] private static string? lastText;
    [ThreadStatic] private static List<string>? lastWords;

    /// <summary>The words of <paramref name="text"/>, punctuation tokens included (datatrove's split_into_words).</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        if (ReferenceEquals(text, lastText) && lastWords is not null) return lastWords;
        var words = new List<string>();
        foreach (var chunk in PyText.SplitWhitespace(text))
            SplitChunk(chunk, words);
        (lastText, lastWords) = (text, words);
        return words;
    }

    /// <summary>Sentences of <paramref name="text"/>: a break after . ! ? or … (with closing quotes/brackets) and whitespace.</summary>
    public static List<string> Sentences(string text)
    {
        var sentences = new List<string>();
        foreach (var part in SentenceBreak().Split(text))
        {
            if (part.Trim().Length > 0)
                sentences.Add(part.Trim());
        }
        return sentences;
    }

    private static void SplitChunk(string chunk, List<string> words)
    {
        var start = 0;
        var end = chunk.Length;
        while (start < end && Openers.Contains(chunk[start]))
        {
            var n = start + 1 < end && chunk[start + 1] == chunk[start] && chunk[start] is '`' or '\'' ? 2 : 1;
            words.Add(chunk.Substring(start, n));
            start += n;
        }
        var trailing = new List<string>();
        while (end > start)
        {
            if (end - start >= 3 && chunk.AsSpan(end - 3, 3).SequenceEqual("..."))
            {
                trailing.Add("...");
                end -= 3;
            }
            else if (Closers.Contains(chunk[end - 1]) && !(chunk[end - 1] == '.' && chunk.AsSpan(start, end - start - 1).Contains('.')))
            {
                // A period stays on a word that already has one inside ("e.g.", "U.S."), as Treebank/Punkt keep it.
                trailing.Add(chunk[(end - 1)..end]);
                end--;
            }
            else
            {
                break;
            }
        }
        if (end > start)
        {
            foreach (var piece in Inner().Split(chunk[start..end]))
            {
                if (piece.Length == 0)
                    continue;
                var contraction = Contraction().Match(piece);
                if (contraction.Success && contraction.Index > 0)
                {
                    words.Add(piece[..contraction.Index]);
                    words.Add(contraction.Value);
                }
                else
                {
                    words.Add(piece);
                }
            }
        }
        for (var i = trailing.Count - 1; i >= 0; i--)
            words.Add(trailing[i]);
    }

    // Inner splits: ; @ # $ % & and brackets always; a comma or colon not followed by a digit; "--".
    [GeneratedRegex(@"([;@#$%&\[\](){}<>]|--|[,:](?!\d))")]
    private static partial Regex Inner();

    [GeneratedRegex(@"(?i)(n't|'s|'m|'d|'ll|'re|'ve)$")]
    private static partial Regex Contraction();

    [GeneratedRegex(@"(?<=[.!?…][""'”’)\]]*)\s+")]
    private static partial Regex SentenceBreak();
}
