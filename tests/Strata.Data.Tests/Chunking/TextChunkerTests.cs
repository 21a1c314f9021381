using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Strata.Data.Chunking;
using Strata.Data.Extraction;
using static Strata.Data.Tests.Chunking.ChunkingSamples;

namespace Strata.Data.Tests.Chunking;

public sealed class TextChunkerTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\n\t \r\n")]
    public void EmptyOrWhitespaceText_HasNoChunks(string text)
    {
        Assert.Empty(TextChunker.Split(text, Words));
    }

    [Theory]
    [InlineData(7, 0, "MaxTokens")]
    [InlineData(256, -1, "OverlapTokens")]
    [InlineData(256, 128, "OverlapTokens")]
    [InlineData(9, 5, "OverlapTokens")]
    public void BadOptions_ThrowNamingTheOption(int maxTokens, int overlapTokens, string name)
    {
        var options = new ChunkingOptions { MaxTokens = maxTokens, OverlapTokens = overlapTokens };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TextChunker.Split("Some text.", Words, options));
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void ShortText_IsOneTrimmedChunk()
    {
        string text = "  \nThe office is closed on Friday.\n\nIt opens on Monday.  \n";
        var chunk = Assert.Single(TextChunker.Split(text, Words));
        Assert.Equal(new TextChunk(0, 3, text.Length - 3, "The office is closed on Friday.\n\nIt opens on Monday.", null), chunk);
    }

    [Theory]
    [InlineData("words", 8, 3)]
    [InlineData("words", 64, 16)]
    [InlineData("words", 256, 32)]
    [InlineData("characters", 16, 4)]
    [InlineData("characters", 512, 0)]
    [InlineData("bert", 64, 16)]
    [InlineData("merging", 32, 8)]
    public void RandomDocuments_KeepEveryPropertyAndRespectHeadings(string counter, int maxTokens, int overlapTokens)
    {
        var count = Counter(counter);
        var options = new ChunkingOptions { MaxTokens = maxTokens, OverlapTokens = overlapTokens };
        for (int seed = 0; seed < 12; seed++)
        {
            var (text, headings) = RandomDocument(seed);
            var chunks = TextChunker.Split(text, count, options);
            string context = $"seed {seed}";
            AssertProperties(text, chunks, count, options, context);
            foreach (var chunk in chunks)
            {
                // The chunk lies in the section of the last heading at or before its start, and reports that heading.
                int section = headings.FindLastIndex(h => h.Start <= chunk.Start);
                Assert.Equal(section < 0 ? null : headings[section].Text, chunk.Heading);
                if (section + 1 < headings.Count) Assert.True(chunk.End < headings[section + 1].Start, $"{context}: chunk {chunk.Index} crosses a heading");
                if (section >= 0 && chunk.Start == headings[section].Start)
                {
                    // A heading never makes a chunk on its own when the first word under it fits beside it.
                    var headingAndWord = Regex.Match(text[chunk.Start..], @"^[^\n]*\S\s+\S+");
                    if (count(headingAndWord.Value) <= maxTokens) Assert.True(chunk.Text.Length >= headingAndWord.Length, $"{context}: chunk {chunk.Index} is a heading alone");
                }
            }
            if (overlapTokens == 0)
            {
                Assert.All(chunks.Skip(1), c => Assert.True(c.Start >= chunks[c.Index - 1].End));
            }
        }
    }

    [Fact]
    public void LongParagraph_ChunksFillTheBudgetAndOverlapAtSentences()
    {
        var random = new Random(7);
        var text = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            text.Append(i == 0 ? "" : " ").Append("The");
            for (int w = random.Next(3, 12); w > 0; w--) text.Append(" word").Append(random.Next(100));
            text.Append('.');
        }
        var options = new ChunkingOptions { MaxTokens = 64, OverlapTokens = 16 };
        var chunks = TextChunker.Split(text.ToString(), Words, options);
        AssertProperties(text.ToString(), chunks, Words, options, "paragraph");
        int atSentences = 0;
        for (int i = 1; i < chunks.Count; i++)
        {
            var (previous, chunk) = (chunks[i - 1], chunks[i]);
            Assert.True(Words(previous.Text) > 64 - 12, $"chunk {i - 1} could have held another sentence");
            int repeated = Words(text.ToString()[chunk.Start..previous.End]);
            // A sentence tail when one reaches half the budget, else the longest word tail.
            Assert.InRange(repeated, 8, 16);
            if (chunk.Text.StartsWith("The ", StringComparison.Ordinal)) atSentences++;
            else Assert.Equal(16, repeated);
        }
        Assert.True(atSentences > chunks.Count / 2, $"{atSentences} of {chunks.Count} overlaps start a sentence");
    }

    [Fact]
    public void Headings_StartSectionsThatChunksNeverCross()
    {
        string body = string.Join(' ', Enumerable.Repeat("Water rose in the lower town overnight.", 12));
        string text = $"Preface words here.\n\n# Flood report\n\n{body}\n\nWhat the council decided\n\n{body}\n\n## Costs ##\n\nSmall.";
        var options = new ChunkingOptions { MaxTokens = 40, OverlapTokens = 8 };
        var chunks = TextChunker.Split(text, Words, options);
        AssertProperties(text, chunks, Words, options, "headings");
        // Each body is 12 sentences of 7 words: the heading and 5 sentences, then a repeated sentence and 4, then 1 and 3.
        string flood = "Flood report", council = "What the council decided";
        Assert.Equal([null, flood, flood, flood, council, council, council, "Costs"], chunks.Select(c => c.Heading));
        Assert.Equal("Preface words here.", chunks[0].Text);
        Assert.Equal("# Flood report\n\n" + body[..(5 * 40 - 1)], chunks[1].Text);
        Assert.Equal(body[(4 * 40)..(9 * 40 - 1)], chunks[2].Text);
        Assert.Equal(body[(8 * 40)..], chunks[3].Text);
        Assert.StartsWith("What the council decided\n\nWater rose", chunks[4].Text); // no overlap across the heading
        Assert.Equal("## Costs ##\n\nSmall.", chunks[7].Text);
    }

    [Fact]
    public void ConsecutiveHeadings_OpenOneSectionUnderTheLast()
    {
        string text = "Chapter 1\n\nIntroduction\n\nThe story begins on a quiet morning by the sea.";
        var chunk = Assert.Single(TextChunker.Split(text, Words));
        Assert.Equal(text, chunk.Text);
        Assert.Equal("Introduction", chunk.Heading);
    }

    [Fact]
    public void LongSentence_SplitsBetweenWords_GiantWord_BetweenCharacters()
    {
        string sentence = "Begin " + string.Join(' ', Enumerable.Range(0, 120).Select(i => "w" + i)) + " end.";
        string giant = new('x', 1000);
        string text = $"{sentence}\n\n{giant}";
        var options = new ChunkingOptions { MaxTokens = 64, OverlapTokens = 8 };
        var chunks = TextChunker.Split(text, Characters, options);
        AssertProperties(text, chunks, Characters, options, "long");
        foreach (var chunk in chunks.Where(c => c.End <= sentence.Length))
        {
            Assert.True(chunk.End == sentence.Length || text[chunk.End] == ' ', $"chunk {chunk.Index} ends inside a word");
        }
        var pieces = chunks.Where(c => c.Start >= sentence.Length).ToList();
        Assert.Equal(16, pieces.Count); // 15 × 64 + 40, cut only because no budget holds the word
        Assert.All(pieces.SkipLast(1), c => Assert.Equal(64, c.Text.Length));
    }

    [Fact]
    public void SurrogatePairs_AreNeverCut()
    {
        string text = "Smile " + string.Concat(Enumerable.Repeat("😀", 100)) + " done.";
        var options = new ChunkingOptions { MaxTokens = 9, OverlapTokens = 2 };
        AssertProperties(text, TextChunker.Split(text, Characters, options), Characters, options, "emoji");
    }

    [Fact]
    public void CounterCalls_GrowLinearlyWithTheText()
    {
        var (text, _) = RandomDocument(3);
        long counted = 0;
        int Counting(string s)
        {
            counted += s.Length;
            return BertLike(s);
        }
        TextChunker.Split(text, Counting, new ChunkingOptions { MaxTokens = 128, OverlapTokens = 16 });
        // Pieces, each chunk's final check and its overlap: a few times the text, never a count per prefix.
        Assert.True(counted < 6L * text.Length, $"counted {counted} characters for a text of {text.Length}");
    }

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(512)]
    public void RealDocuments_ChunkWithinBudget(int maxTokens)
    {
        var options = new ChunkingOptions { MaxTokens = maxTokens, OverlapTokens = maxTokens / 8 };

        string play = File.ReadAllText(TestPaths.TinyShakespeare)[..20_000];
        var chunks = TextChunker.Split(play, BertLike, options);
        AssertProperties(play, chunks, BertLike, options, "Tiny Shakespeare");
        Assert.All(chunks, c => Assert.Null(c.Heading)); // speeches are blocks of several lines, never headings
        Assert.True(chunks.Average(c => BertLike(c.Text)) > 0.6 * maxTokens, "chunks are mostly full");

        string article = VoxArticle();
        chunks = TextChunker.Split(article, BertLike, options);
        AssertProperties(article, chunks, BertLike, options, "HTML article");
        Assert.Null(chunks[0].Heading);
        Assert.Equal("Why Delhi’s air pollution gets so bad this time of year", chunks[^1].Heading);
        var subheading = Assert.Single(chunks, c => c.Text.StartsWith("Why Delhi’s air pollution gets so bad", StringComparison.Ordinal));
        Assert.Equal(subheading.Text[..subheading.Text.IndexOf('\n')], subheading.Heading);

        string guide = MarkdownText.Convert(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "training.md")));
        chunks = TextChunker.Split(guide, BertLike, options);
        AssertProperties(guide, chunks, BertLike, options, "docs/training.md");
        var headings = chunks.Select(c => c.Heading).ToHashSet();
        Assert.Superset(new HashSet<string?> { "Training", "Commands", "Configs", "Pretraining", "Fault tolerance", "Tuning", "Reports" }, headings);
        Assert.Single(chunks, c => c.Text.StartsWith("Fault tolerance\n", StringComparison.Ordinal));
    }

    // A Vox article on Delhi's air pollution from the extraction benchmark, through HtmlExtractor: paragraphs, embedded
    // tweets and one sub-heading.
    private static string VoxArticle()
    {
        string path = Path.Combine(TestPaths.SharedData, "html-extraction", "html",
            "16c30add7e96315e9cc957d85aa876ccb6b70055f0ddab51547a586117cc1f56.html.gz");
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var html = new MemoryStream();
        gzip.CopyTo(html);
        html.Position = 0;
        return new HtmlExtractor().Extract(html).Text;
    }
}
