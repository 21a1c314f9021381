using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Strata.Data.Filters;

namespace Strata.Data.Tests.Filters;

// The filters split text over spans so that they allocate little; each split is checked here against the plain
// string-and-regex formulation of the same rule on randomly assembled texts full of the cases that matter.
public class SpanSplittingTests
{
    private static readonly string[] Pieces =
    [
        "word", "Don't", "it's", "they'LL", "'s", "n't", "can't's", "end.", "e.g.", "U.S.", "Mr.", "(paren)", "[x]", "{y}",
        "\"quoted\"", "“curly”", "‘single’", "«guillemets»", "``tex''", "...", "wait...", "why?!", "1,000", "a,b", "ratio:2",
        "key:value", "a--b", "50%", "#tag", "me@host", "x;y", "<b>", "C#", "naïve", "日本語", "𝔘𝔫𝔦", "🙂", "—", "…", ",",
        ":", "'", "'quoted'", "x)", "(y", "$5", "&amp;", "--", "a...b", "end…", "Ⅻ",
    ];

    private static readonly string[] Separators = [" ", " ", " ", "  ", "\n", "\n\n", "\n\n\n", "\t", "\u00A0", "\r\n", " \n "];

    private static IEnumerable<string> RandomTexts(int count, int seed)
    {
        var random = new Random(seed);
        for (int t = 0; t < count; t++)
        {
            var text = new StringBuilder();
            int words = random.Next(0, 60);
            if (random.Next(4) == 0) text.Append(Separators[random.Next(Separators.Length)]);
            for (int w = 0; w < words; w++)
            {
                // Repeats on purpose, so duplicate lines, paragraphs and n-grams occur.
                text.Append(Pieces[random.Next(random.Next(2) == 0 ? 6 : Pieces.Length)]);
                text.Append(Separators[random.Next(Separators.Length)]);
            }
            yield return text.ToString();
        }
    }

    [Fact]
    public void WordsMatchTheRegexFormulation()
    {
        foreach (var text in RandomTexts(2000, seed: 1))
            Assert.Equal(ReferenceWords(text), WordSplitter.Words(text));
    }

    [Fact]
    public void SentenceCountMatchesTheSentences()
    {
        foreach (var text in RandomTexts(500, seed: 2))
            Assert.Equal(ReferenceSentenceCount(text), WordSplitter.CountSentences(text));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void RepeatedPiecesMatchRegexSplitAndStringSet(int minNewlines)
    {
        var separator = new Regex($@"\n{{{minNewlines},}}");
        foreach (var text in RandomTexts(2000, seed: 3).Append("").Append("\n").Append("a\n\nb\n\na\n"))
        {
            var pieces = separator.Split(text);
            var seen = new HashSet<string>();
            var repeated = pieces.Where(p => !seen.Add(p)).ToList();
            var expected = (pieces.Length, repeated.Count, repeated.Sum(p => p.EnumerateRunes().Count()));
            Assert.Equal(expected, Repeats.OfPieces(text, minNewlines));
        }
    }

    [Fact]
    public void ScriptCountsMatchRegexCount()
    {
        var expressions = FrancExpressions();
        var table = new ScriptTable(expressions);
        // Characters from many scripts, Han shared by two expressions, and pairs outside the BMP.
        var alphabet = "abcXYZ éß ДЖя عربي हिन्दी 日本語 ひらがな カタカナ 한국어 ქართ ελλην עברית ไทย ዐማ 𠀀𠀁 𖿢 🙂 !?1";
        var random = new Random(4);
        var runes = alphabet.EnumerateRunes().ToArray();
        for (int t = 0; t < 300; t++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 80)).Select(_ => runes[random.Next(runes.Length)].ToString()));
            var counts = new int[expressions.Length];
            table.Count(text, counts);
            Assert.Equal(expressions.Select(e => e.Count(text)), counts);
        }
    }

    [Fact]
    public void C4MatchesItsStringFormulation()
    {
        string[] lines =
        [
            "The committee met on Tuesday and agreed on the budget.", "Is that all there is?", "He said \"go home now\"",
            "Yes indeed.", "Home About Contact", "And then there was more...", "Please enable JavaScript to view this page.",
            "This site uses cookies to improve your visit.", "The sky is blue.[12]", "See the talk page [edit] for more.",
            "Lorem ipsum dolor sit amet.", "Set x to {1, 2} for the test.", "A " + new string('x', 1001) + " word.",
            "  Indented line with spaces, ending well.  ", "Ünïcödé wörds äre fine here.", "𝔘𝔫𝔦 code points count once here.",
            "", "   ", "Mr. Smith went to Washington. He stayed! Did he?", "Terms of Use apply to all of this.",
        ];
        string[] breaks = ["\n", "\n", "\r\n", "\r", "\u2028", "\n\n"];
        var random = new Random(6);
        var options = new[] { new C4Options(), new C4Options { FilterNoTerminalPunct = false, MinNumSentences = 2 } };
        for (int t = 0; t < 1500; t++)
        {
            var text = new StringBuilder();
            int count = random.Next(1, 12);
            for (int i = 0; i < count; i++) text.Append(lines[random.Next(lines.Length)]).Append(breaks[random.Next(breaks.Length)]);
            if (random.Next(2) == 0) text.Length -= 1;
            foreach (var o in options)
            {
                var actual = new C4Filter(o).Apply(new Document("d", text.ToString(), []));
                var (expectedText, expectedReason) = ReferenceC4(text.ToString(), o);
                Assert.Equal(expectedReason, actual.Reason);
                Assert.Equal(expectedText, actual.Document?.Text);
            }
        }
    }

    // C4 as first written: a string per line, per word and per lower-cased line.
    private static (string? Text, string? Reason) ReferenceC4(string text, C4Options o)
    {
        string[] policy = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"];
        var sentences = 0;
        var kept = new List<string>();
        // Python's str.splitlines(), written independently of PyText: split at each break, no trailing empty line.
        var pieces = Regex.Split(text, "\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]").ToList();
        if (pieces.Count > 0 && pieces[^1].Length == 0) pieces.RemoveAt(pieces.Count - 1);
        foreach (var raw in pieces)
        {
            var line = raw.Trim();
            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (o.MaxWordLength != -1 && words.Any(w => w.EnumerateRunes().Count() > o.MaxWordLength)) continue;
            if (o.RemoveCitations) line = Regex.Replace(line, @"\[\d*]|\[edit]|\[citation needed]", "");
            if (o.FilterNoTerminalPunct && (!(line.Length > 0 && line[^1] is '.' or '?' or '!' or '"' or '\'') || line.EndsWith("...", StringComparison.Ordinal))) continue;
            if (words.Length < o.MinWordsPerLine) continue;
            var lower = line.ToLowerInvariant();
            if (o.FilterLoremIpsum && lower.Contains("lorem ipsum", StringComparison.Ordinal)) return (null, "lorem_ipsum");
            if (o.FilterJavascript && lower.Contains("javascript", StringComparison.Ordinal)) continue;
            if (o.FilterCurlyBracket && line.Contains('{')) return (null, "curly_bracket");
            if (o.FilterPolicy && policy.Any(p => lower.Contains(p, StringComparison.Ordinal))) continue;
            if (o.MinNumSentences != -1) sentences += ReferenceSentenceCount(line);
            kept.Add(line);
        }
        if (sentences < o.MinNumSentences) return (null, "too_few_sentences");
        return (string.Join('\n', kept).Trim(), null);
    }

    private static Regex[] FrancExpressions()
    {
        using var stream = typeof(WordSplitter).Assembly.GetManifestResourceStream("Strata.Data.Filters.Languages.profiles.json")!;
        var scripts = JsonNode.Parse(stream)!["scripts"]!.AsObject();
        return [.. scripts.Select(s => new Regex(s.Value!["expression"]!.GetValue<string>()))];
    }

    // Sentences as the rules first split them: Regex.Split at a break after . ! ? or … and whitespace, blanks dropped.
    private static int ReferenceSentenceCount(string text) =>
        Regex.Split(text, @"(?<=[.!?…][""'”’)\]]*)\s+").Count(part => part.Trim().Length > 0);

    // The Treebank-style split written with strings and regexes, as the filters first had it.
    private static List<string> ReferenceWords(string text)
    {
        const string openers = "([{<\"'`“‘«";
        const string closers = ")]}>\"'”’».,;:!?";
        var words = new List<string>();
        foreach (var chunk in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int start = 0, end = chunk.Length;
            while (start < end && openers.Contains(chunk[start]))
            {
                var n = start + 1 < end && chunk[start + 1] == chunk[start] && chunk[start] is '`' or '\'' ? 2 : 1;
                words.Add(chunk.Substring(start, n));
                start += n;
            }
            var trailing = new List<string>();
            while (end > start)
            {
                if (end - start >= 3 && chunk.Substring(end - 3, 3) == "...")
                {
                    trailing.Add("...");
                    end -= 3;
                }
                else if (closers.Contains(chunk[end - 1]) && !(chunk[end - 1] == '.' && chunk[start..(end - 1)].Contains('.')))
                {
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
                foreach (var piece in Regex.Split(chunk[start..end], @"([;@#$%&\[\](){}<>]|--|[,:](?!\d))"))
                {
                    if (piece.Length == 0)
                        continue;
                    var contraction = Regex.Match(piece, @"(?i)(n't|'s|'m|'d|'ll|'re|'ve)$");
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
            trailing.Reverse();
            words.AddRange(trailing);
        }
        return words;
    }
}
