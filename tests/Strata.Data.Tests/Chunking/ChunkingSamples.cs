using System.Text;
using Strata.Data.Chunking;

namespace Strata.Data.Tests.Chunking;

/// <summary>Token counters and seeded documents shared by the chunking tests, and the properties every chunking must keep.</summary>
internal static class ChunkingSamples
{
    /// <summary>Runs of non-space characters.</summary>
    public static int Words(string text)
    {
        int words = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]) && (i == 0 || char.IsWhiteSpace(text[i - 1]))) words++;
        }
        return words;
    }

    public static int Characters(string text) => text.Length;

    /// <summary>Like WordPiece: [CLS] and [SEP], then a token per run of letters or digits and per other symbol.</summary>
    public static int BertLike(string text)
    {
        int tokens = 2;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) continue;
            if (!char.IsLetterOrDigit(c) || i == 0 || !char.IsLetterOrDigit(text[i - 1])) tokens++;
        }
        return tokens;
    }

    /// <summary>A tenth more than the words, rounded down: a sum over pieces undercounts their join, as merging tokenizers do.</summary>
    public static int Merging(string text) => Words(text) * 11 / 10;

    public static Func<string, int> Counter(string name) => name switch
    {
        "words" => Words,
        "characters" => Characters,
        "bert" => BertLike,
        "merging" => Merging,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>A heading the generator wrote, at the offset of its line.</summary>
    public sealed record Heading(int Start, string Text);

    /// <summary>
    /// A seeded document: an optional preamble, then sections under Markdown or title-like headings, of prose
    /// paragraphs (with abbreviations, decimals and quotes), hard-wrapped paragraphs, lists, sentences of hundreds of
    /// words and words of thousands of letters (some of emoji, which are surrogate pairs), between varied blank lines.
    /// </summary>
    public static (string Text, List<Heading> Headings) RandomDocument(int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(random.Next(2) == 0 ? "" : " \n\t");
        var headings = new List<Heading>();
        int sections = random.Next(1, 6);
        for (int s = 0; s < sections; s++)
        {
            if (s > 0 || random.Next(2) == 0)
            {
                Separate(text, random);
                string title = $"Part {s} {Word(random)}";
                headings.Add(new Heading(text.Length, title));
                text.Append(random.Next(2) == 0 ? title : new string('#', random.Next(1, 4)) + " " + title);
            }
            int blocks = random.Next(1, 8);
            for (int b = 0; b < blocks; b++)
            {
                Separate(text, random);
                // The block under a title-like heading is prose, longer than the heading.
                AppendBlock(text, random, b == 0 ? 1 : random.Next(6));
            }
        }
        if (random.Next(2) == 0) text.Append("\n\n  ");
        return (text.ToString(), headings);
    }

    private static void Separate(StringBuilder text, Random random)
    {
        if (text.Length > 0) text.Append(random.Next(5) switch { 0 => "\n\n\n", 1 => "\n  \n", 2 => "\r\n\r\n", 3 => " \n\t\n", _ => "\n\n" });
    }

    private static void AppendBlock(StringBuilder text, Random random, int kind)
    {
        switch (kind)
        {
            case 0 or 1: // prose; at least three sentences for kind 1
                int sentences = random.Next(kind == 0 ? 1 : 3, 12);
                for (int i = 0; i < sentences; i++) AppendSentence(text.Append(i == 0 ? "" : " "), random, random.Next(3, 25), last: i == sentences - 1);
                break;
            case 2: // hard-wrapped
                int lines = random.Next(2, 8);
                for (int i = 0; i < lines; i++) AppendSentence(text.Append(i == 0 ? "" : "\n"), random, random.Next(3, 15), last: true);
                break;
            case 3: // list
                int items = random.Next(2, 7);
                for (int i = 0; i < items; i++) text.Append(i == 0 ? "" : "\n").Append("- ").Append(Word(random)).Append(' ').Append(Word(random));
                break;
            case 4: // one sentence of hundreds of words
                AppendSentence(text, random, random.Next(80, 400), last: true);
                break;
            default: // a giant word inside a sentence
                text.Append("It reads ");
                text.Insert(text.Length, random.Next(3) == 0 ? "😀" : "x", random.Next(300, 3000));
                text.Append(" and then stops.");
                break;
        }
    }

    private static void AppendSentence(StringBuilder text, Random random, int words, bool last)
    {
        text.Append(random.Next(6) switch { 0 => "Dr. Smith", 1 => "The value 3.14, e.g. pi,", 2 => "\"Quoted\"", _ => "The" });
        for (int i = 1; i < words; i++) text.Append(' ').Append(Word(random));
        text.Append(last ? (random.Next(4) == 0 ? "!" : ".") : random.Next(4) switch { 0 => "?", 1 => "!", _ => "." });
    }

    private static string Word(Random random)
    {
        var word = new char[random.Next(1, 11)];
        for (int i = 0; i < word.Length; i++) word[i] = (char)('a' + random.Next(26));
        return new string(word);
    }

    /// <summary>
    /// What every chunking keeps: exact trimmed spans, indices in order, strictly increasing starts, the budget, overlap
    /// within its budget and starting on a word, no surrogate pair cut, and every non-space character in some chunk.
    /// </summary>
    public static void AssertProperties(string text, IReadOnlyList<TextChunk> chunks, Func<string, int> count, ChunkingOptions options, string context)
    {
        var covered = new bool[text.Length];
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            string where = $"{context}, chunk {i} [{chunk.Start},{chunk.End})";
            Assert.True(chunk.Index == i, where);
            Assert.True(chunk.Start < chunk.End && chunk.Text == text[chunk.Start..chunk.End], where);
            Assert.False(char.IsWhiteSpace(text[chunk.Start]) || char.IsWhiteSpace(text[chunk.End - 1]), where);
            Assert.False(char.IsLowSurrogate(text[chunk.Start]) || char.IsHighSurrogate(text[chunk.End - 1]), where);
            int tokens = count(chunk.Text);
            Assert.True(tokens <= options.MaxTokens, $"{where}: {tokens} tokens");
            if (i > 0)
            {
                var previous = chunks[i - 1];
                Assert.True(chunk.Start > previous.Start && chunk.End > previous.End, where);
                if (chunk.Start < previous.End)
                {
                    int repeated = count(text[chunk.Start..previous.End]);
                    Assert.True(repeated <= options.OverlapTokens, $"{where}: overlap of {repeated} tokens");
                    Assert.True(char.IsWhiteSpace(text[chunk.Start - 1]), $"{where}: overlap starts inside a word");
                }
            }
            Array.Fill(covered, true, chunk.Start, chunk.End - chunk.Start);
        }
        for (int i = 0; i < text.Length; i++)
        {
            Assert.True(covered[i] || char.IsWhiteSpace(text[i]), $"{context}: character {i} ('{text[i]}') is in no chunk");
        }
    }
}
