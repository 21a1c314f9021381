using System.Text.RegularExpressions;

namespace Strata.Serving.Grounding;

/// <summary>Cohere's <c>citation_options.mode</c>.</summary>
public enum CitationMode
{
    /// <summary>No citations.</summary>
    Off,

    /// <summary>A sentence is cited when most of its content words occur in a document.</summary>
    Fast,

    /// <summary>As fast, and the sentence must also share a run of three consecutive words with the document.</summary>
    Accurate,
}

/// <summary>A span [Start, End) of the answer supported by documents, best supported first.</summary>
public sealed record Citation(int Start, int End, string Text, IReadOnlyList<GroundingDocument> Sources);

/// <summary>
/// Citations found after the fact by aligning an answer with its documents, sentence by sentence: a sentence is cited
/// with the documents that contain at least <see cref="MinCoverage"/> of its content words (lower-cased words of three
/// or more letters, minus common function words), and in accurate mode also share a three-word run with it, which a
/// sentence merely on the same topic rarely does. This does not trust the model to cite: a sentence no document
/// supports gets no citation, whatever markup the model wrote. Sentences with fewer than two content words are not
/// judged (too little evidence either way).
/// </summary>
public static partial class CitationAligner
{
    public const double MinCoverage = 0.6;
    private const int MaxSources = 3;

    private static readonly HashSet<string> FunctionWords =
    [
        "the", "and", "for", "are", "was", "were", "with", "that", "this", "these", "those", "from", "has", "have", "had",
        "not", "but", "you", "your", "our", "its", "they", "them", "their", "there", "then", "than", "can", "will", "would",
        "should", "could", "may", "might", "must", "also", "into", "onto", "over", "under", "about", "which", "who", "whom",
        "what", "when", "where", "why", "how", "all", "any", "each", "some", "such", "only", "very", "more", "most", "other",
        "been", "being", "does", "did", "doing", "per", "via", "out", "off", "yes",
    ];

    public static IReadOnlyList<Citation> Align(string answer, IReadOnlyList<GroundingDocument> documents, CitationMode mode)
    {
        if (mode == CitationMode.Off || documents.Count == 0 || answer.Length == 0) return [];
        var indexed = documents.Select(d => (Document: d, Words: Words(d.Text))).Select(d => (d.Document, d.Words, Set: d.Words.ToHashSet(StringComparer.Ordinal))).ToList();
        var citations = new List<Citation>();
        foreach (var (start, end) in Sentences(answer))
        {
            var sentence = Words(answer[start..end]);
            var content = sentence.Where(IsContent).Distinct().ToList();
            if (content.Count < 2) continue;
            var sources = indexed
                .Select(d => (d.Document, d.Words, Coverage: content.Count(d.Set.Contains) / (double)content.Count))
                .Where(d => d.Coverage >= MinCoverage && (mode == CitationMode.Fast || SharesRun(sentence, d.Words, 3)))
                .OrderByDescending(d => d.Coverage)
                .Take(MaxSources)
                .Select(d => d.Document)
                .ToList();
            if (sources.Count > 0) citations.Add(new Citation(start, end, answer[start..end], sources));
        }
        return citations;
    }

    /// <summary>
    /// Whether <paramref name="document"/> supports <paramref name="span"/> by the rule accurate mode applies to
    /// sentences: it holds at least <see cref="MinCoverage"/> of the span's content words and a run of three words in
    /// common (a span of fewer than three words must appear in it whole).
    /// </summary>
    public static bool Supports(string span, GroundingDocument document)
    {
        var words = Words(span);
        var documentWords = Words(document.Text);
        if (words.Count == 0) return false;
        if (words.Count < 3) return SharesRun(words, documentWords, words.Count);
        var content = words.Where(IsContent).Distinct().ToList();
        var set = documentWords.ToHashSet(StringComparer.Ordinal);
        double coverage = content.Count == 0 ? 1 : content.Count(set.Contains) / (double)content.Count;
        return coverage >= MinCoverage && SharesRun(words, documentWords, 3);
    }

    /// <summary>Sentence spans of the answer, trimmed: cut after . ! ? followed by whitespace, and at line breaks.</summary>
    internal static IEnumerable<(int Start, int End)> Sentences(string text)
    {
        int start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            bool boundary = i == text.Length || text[i] == '\n'
                || (text[i] is '.' or '!' or '?' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1])));
            if (!boundary) continue;
            int end = i < text.Length && text[i] != '\n' ? i + 1 : i;
            int s = start, e = end;
            while (s < e && char.IsWhiteSpace(text[s])) s++;
            while (e > s && char.IsWhiteSpace(text[e - 1])) e--;
            if (e > s) yield return (s, e);
            start = end;
        }
    }

    private static List<string> Words(string text) => WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant()).ToList();

    private static bool IsContent(string word) => (word.Length >= 3 || word.All(char.IsDigit)) && !FunctionWords.Contains(word);

    private static bool SharesRun(List<string> sentence, List<string> document, int length)
    {
        if (sentence.Count < length) return false;
        var runs = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i + length <= document.Count; i++) runs.Add(string.Join(' ', document.Skip(i).Take(length)));
        for (int i = 0; i + length <= sentence.Count; i++)
        {
            if (runs.Contains(string.Join(' ', sentence.Skip(i).Take(length)))) return true;
        }
        return false;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}
