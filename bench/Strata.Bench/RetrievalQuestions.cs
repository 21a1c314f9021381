using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Strata.Bench;

/// <summary>One held-out question: its answer is the API entry <see cref="Api"/> of <see cref="Page"/>.</summary>
/// <param name="Query">The description's first sentence with the API's own name removed.</param>
/// <param name="Sentence">That sentence as the page has it (whitespace normalised): a chunk containing it is a hit.</param>
internal sealed record RetrievalQuestion(string Page, string Api, string Query, string Sentence);

/// <summary>
/// Questions from the structure of Python's library reference: every API entry (<c>&lt;dl class="py function"&gt;</c>,
/// method, class, exception, attribute, data …) gives one question from the first sentence of its description, so the
/// gold label is the entry itself, independent of how Strata extracts or chunks the page. Sentences shared by several
/// entries ("Return a copy of the list.") are dropped: their answer is ambiguous.
/// </summary>
internal static partial class RetrievalQuestions
{
    public const int MinimumWords = 6;

    /// <summary>Every usable question of <paramref name="pages"/> (path → HTML), in page then document order.</summary>
    public static IReadOnlyList<RetrievalQuestion> Build(IEnumerable<(string Name, string Html)> pages)
    {
        var parser = new HtmlParser();
        var all = new List<RetrievalQuestion>();
        foreach (var (name, html) in pages)
        {
            using var document = parser.ParseDocument(html);
            foreach (var entry in document.QuerySelectorAll("dl[class^='py ']"))
            {
                if (FromEntry(name, entry) is RetrievalQuestion question) all.Add(question);
            }
        }
        var shared = all.GroupBy(q => q.Sentence, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        return all.Where(q => !shared.Contains(q.Sentence)).ToList();
    }

    /// <summary><paramref name="count"/> questions drawn without replacement by a seeded shuffle (all when fewer).</summary>
    public static IReadOnlyList<RetrievalQuestion> Sample(IReadOnlyList<RetrievalQuestion> questions, int count, int seed)
    {
        var shuffled = questions.ToArray();
        new Random(seed).Shuffle(shuffled);
        return shuffled.Take(count).ToList();
    }

    /// <summary>Whitespace runs as one space, trimmed: how both sentences and chunks are compared.</summary>
    public static string Normalise(string text) => Whitespace().Replace(text, " ").Trim();

    private static RetrievalQuestion? FromEntry(string page, IElement entry)
    {
        string? api = entry.Children.Where(c => c.LocalName == "dt").Select(dt => dt.Id).FirstOrDefault(id => !string.IsNullOrEmpty(id));
        var description = entry.Children.FirstOrDefault(c => c.LocalName == "dd");
        var paragraph = description?.Children.FirstOrDefault(c => c.LocalName == "p");
        if (api is null || paragraph is null) return null;
        string sentence = FirstSentence(Normalise(paragraph.TextContent));
        if (sentence.Split(' ').Length < MinimumWords) return null;
        string query = Normalise(WithoutName(sentence, api));
        return query.Split(' ').Length < MinimumWords - 1 ? null : new RetrievalQuestion(page, api, query, sentence);
    }

    /// <summary>Up to the first ". ", "? " or "! " that ends a sentence (not "e.g." or "i.e."), or the whole paragraph.</summary>
    private static string FirstSentence(string paragraph)
    {
        foreach (Match end in SentenceEnd().Matches(paragraph))
        {
            string before = paragraph[..(end.Index + 1)];
            if (before.EndsWith("e.g.", StringComparison.Ordinal) || before.EndsWith("i.e.", StringComparison.Ordinal) || before.EndsWith("etc.", StringComparison.Ordinal)) continue;
            return before;
        }
        return paragraph;
    }

    /// <summary>
    /// The entry's dotted name ("json.dumps"), its last part ("dumps") and its calls ("dumps()") out of the sentence, so
    /// a question is not answered by looking the name up.
    /// </summary>
    private static string WithoutName(string sentence, string api)
    {
        string last = api[(api.LastIndexOf('.') + 1)..];
        var names = new[] { api, last }.Distinct().Select(Regex.Escape);
        return Regex.Replace(sentence, $@"(?<![\w.])(?:{string.Join('|', names)})(?:\(\))?(?![\w])", " ");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[.!?](?= [A-Z(""'`])")]
    private static partial Regex SentenceEnd();
}
