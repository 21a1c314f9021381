using System.Text.RegularExpressions;

namespace Strata.Serving.Documents;

/// <summary>
/// A search query as every store's full-text search takes it: its words (runs of letters and digits), lower-cased,
/// each once, any of them matching. Whatever else the user typed — operators, quotes, wildcards, parentheses of FTS5's
/// or tsquery's syntax — is dropped, so it is never interpreted.
/// </summary>
internal static partial class QueryWords
{
    public static IReadOnlyList<string> Of(string query) => Words().Matches(query).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Words();
}
