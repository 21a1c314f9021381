using System.Buffers;
using System.Text.RegularExpressions;

namespace Strata.Data.Filters;

/// <summary>
/// Words and sentences the way datatrove's English rules see them. datatrove uses NLTK (Punkt sentences, then the
/// Treebank word tokenizer), which is not available to .NET; this follows the Treebank conventions that matter to the
/// rules' counts: punctuation is its own token (so "end." is two words and symbol-only tokens exist), "..." is one
/// token, contractions split ("don't" → "do", "n't"), a comma or colon inside a number stays. Known difference: Punkt's
/// abbreviation list is not modelled, so "Mr." loses its period to a token of its own.
/// </summary>
/// <remarks>
/// The split walks spans and allocates only the words it returns: this runs over every document, and with strings
/// per chunk and per regex split the garbage collector, not the CPU, limited how well two workers scaled.
/// </remarks>
internal static partial class WordSplitter
{
    private const string Openers = "([{<\"'`“‘«";
    private const string Closers = ")]}>\"'”’».,;:!?";

    // Characters that can start an inner split (see Inner below); a chunk without any is one word.
    private static readonly SearchValues<char> InnerSplitStarts = SearchValues.Create(";@#$%&[](){}<>-,:");

    // The Gopher and FineWeb rules each split the same text into words; a document's stages run on one thread, so
    // each thread remembers its last split. Keyed by the string instance: a stage that rewrites the text makes a new
    // string, and strings never change, so a hit is always the same text.
    [ThreadStatic] private static string? lastText;
    [ThreadStatic] private static List<string>? lastWords;
    [ThreadStatic] private static List<string>? trailing;

    /// <summary>The words of <paramref name="text"/>, punctuation tokens included (datatrove's split_into_words).</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        if (ReferenceEquals(text, lastText) && lastWords is not null) return lastWords;
        var words = new List<string>(text.Length / 5);
        var span = text.AsSpan();
        int i = 0;
        while (i < span.Length)
        {
            // Python's str.split(): runs of whitespace separate chunks.
            while (i < span.Length && char.IsWhiteSpace(span[i])) i++;
            int start = i;
            while (i < span.Length && !char.IsWhiteSpace(span[i])) i++;
            if (i > start) SplitChunk(span[start..i], words);
        }
        (lastText, lastWords) = (text, words);
        return words;
    }

    /// <summary>
    /// How many sentences <paramref name="text"/> holds: non-blank pieces between breaks after . ! ? or … (with closing
    /// quotes or brackets) followed by whitespace. Counted over the matches, without building the sentences.
    /// </summary>
    public static int CountSentences(ReadOnlySpan<char> text)
    {
        int count = 0, from = 0;
        foreach (var match in SentenceBreak().EnumerateMatches(text))
        {
            if (!text[from..match.Index].IsWhiteSpace()) count++;
            from = match.Index + match.Length;
        }
        if (!text[from..].IsWhiteSpace()) count++;
        return count;
    }

    private static void SplitChunk(ReadOnlySpan<char> chunk, List<string> words)
    {
        var start = 0;
        var end = chunk.Length;
        while (start < end && Openers.Contains(chunk[start]))
        {
            var n = start + 1 < end && chunk[start + 1] == chunk[start] && chunk[start] is '`' or '\'' ? 2 : 1;
            words.Add(Token(chunk.Slice(start, n)));
            start += n;
        }
        var closing = trailing ??= [];
        closing.Clear();
        while (end > start)
        {
            if (end - start >= 3 && chunk.Slice(end - 3, 3).SequenceEqual("..."))
            {
                closing.Add("...");
                end -= 3;
            }
            else if (Closers.Contains(chunk[end - 1]) && !(chunk[end - 1] == '.' && chunk.Slice(start, end - start - 1).Contains('.')))
            {
                // A period stays on a word that already has one inside ("e.g.", "U.S."), as Treebank/Punkt keep it.
                closing.Add(Token(chunk.Slice(end - 1, 1)));
                end--;
            }
            else
            {
                break;
            }
        }
        if (end > start)
        {
            var inner = chunk[start..end];
            if (inner.IndexOfAny(InnerSplitStarts) < 0)
            {
                AddPiece(inner, words);
            }
            else
            {
                int from = 0;
                foreach (var match in Inner().EnumerateMatches(inner))
                {
                    AddPiece(inner[from..match.Index], words);
                    AddPiece(inner.Slice(match.Index, match.Length), words);
                    from = match.Index + match.Length;
                }
                AddPiece(inner[from..], words);
            }
        }
        for (var i = closing.Count - 1; i >= 0; i--)
            words.Add(closing[i]);
    }

    /// <summary>One piece between inner splits, its contraction ("n't", "'s", …) split off.</summary>
    private static void AddPiece(ReadOnlySpan<char> piece, List<string> words)
    {
        if (piece.IsEmpty)
            return;
        if (piece.Contains('\''))
        {
            var first = Contraction().EnumerateMatches(piece);
            if (first.MoveNext() && first.Current.Index > 0)
            {
                words.Add(piece[..first.Current.Index].ToString());
                words.Add(piece[first.Current.Index..].ToString());
                return;
            }
        }
        words.Add(Token(piece));
    }

    /// <summary>A token's string; one-character tokens (mostly punctuation) come from a shared table.</summary>
    private static string Token(ReadOnlySpan<char> token) =>
        token.Length == 1 && token[0] < SingleAscii.Length ? SingleAscii[token[0]] : token.ToString();

    private static readonly string[] SingleAscii = [.. Enumerable.Range(0, 128).Select(c => ((char)c).ToString())];

    // Inner splits: ; @ # $ % & and brackets always; a comma or colon not followed by a digit; "--".
    [GeneratedRegex(@"[;@#$%&\[\](){}<>]|--|[,:](?!\d)")]
    private static partial Regex Inner();

    [GeneratedRegex(@"(?i)(n't|'s|'m|'d|'ll|'re|'ve)$")]
    private static partial Regex Contraction();

    [GeneratedRegex(@"(?<=[.!?…][""'”’)\]]*)\s+")]
    private static partial Regex SentenceBreak();
}
