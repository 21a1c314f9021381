using System.Text.RegularExpressions;

namespace Strata.Serving.Documents;

/// <summary>
/// A search query as every store's full-text search takes it: its words (runs of letters and digits), lower-cased,
/// each once, any of them matching. Whatever else the user typed — operators, quotes, wildcards, parentheses of FTS5's
/// or tsquery's syntax — is dropped, so it is never interpreted. English function words are dropped too while any
/// other word remains: in an OR query "the" or "of" matches nearly every chunk, so each of them made the index score
/// the whole tenant for almost no ranking signal (BM25 gives them near-zero weight); PostgreSQL's english
/// configuration drops the same words itself.
/// </summary>
internal static partial class QueryWords
{
    private static readonly HashSet<string> FunctionWords =
    [
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "as",
        "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "there", "here",
        "i", "you", "he", "she", "we", "they", "me", "him", "her", "us", "them", "my", "your", "his", "our", "their",
        "do", "does", "did", "have", "has", "had", "not", "no", "so", "than", "then", "such", "can", "will", "would",
        "should", "could", "may", "might", "must", "shall", "about", "which", "who", "whom", "what", "when", "where",
        "how", "all", "any", "each", "some", "only", "own", "same", "too", "very", "just", "also",
    ];

    public static IReadOnlyList<string> Of(string query)
    {
        var words = Words().Matches(query).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
        var content = words.Where(w => !FunctionWords.Contains(w)).ToList();
        return content.Count > 0 ? content : words;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Words();
}
