using System.Text.Json.Nodes;
using Strata.Data.Filters;
using Strata.Data.Pipeline;

namespace Strata.Data.Tests.Filters;

// Cases worked by hand from datatrove's C4BadWordsFilter: re.search(r"(?:\W|^)(w1|w2|…)(?:\W|$)", text.lower()).
public class BadWordsFilterTests
{
    private static readonly string[] Words = ["darn", "heck of a", "c++"];

    private static bool Kept(BadWordsFilter filter, string text, string id = "d") => filter.Apply(new Document(id, text, [])).Kept;

    [Theory]
    [InlineData("Well, darn it.", false)]
    [InlineData("darn", false)]                       // the whole text: bounded by its ends
    [InlineData("What a HECK OF A day", false)]       // lower-cased first; a phrase matches as a whole
    [InlineData("He writes C++ daily", false)]        // listed symbols are literal, not a pattern
    [InlineData("She was darning socks", true)]       // inside a longer word: no boundary after it
    [InlineData("undarn", true)]                      // no boundary before it
    [InlineData("heck of another", true)]
    [InlineData("Nothing to see here.", true)]
    public void RemovesWholeWordMatchesOnly(string text, bool kept)
    {
        var filter = new BadWordsFilter(Words);
        Assert.Equal(kept, Kept(filter, text));
        if (!kept) Assert.Equal(BadWordsFilter.Reason, filter.Apply(new Document("d", text, [])).Reason);
    }

    [Fact]
    public void KeepFractionKeepsASeededShareIndependentOfOrder()
    {
        var filter = new BadWordsFilter(Words, new BadWordsOptions { KeepFraction = 0.3, Seed = 5 });
        var ids = Enumerable.Range(0, 2000).Select(i => $"doc-{i}").ToList();
        var kept = ids.Where(id => Kept(filter, "darn", id)).ToHashSet();
        // Binomial(2000, 0.3): mean 600, standard deviation 20.5; ±5σ.
        Assert.InRange(kept.Count, 497, 703);
        // The same documents, asked in reverse order, by a second instance: the same choice.
        var again = new BadWordsFilter(Words, new BadWordsOptions { KeepFraction = 0.3, Seed = 5 });
        Assert.Equal(kept, ids.AsEnumerable().Reverse().Where(id => Kept(again, "darn", id)).ToHashSet());
        Assert.All(ids, id => Assert.True(Kept(new BadWordsFilter(Words, new BadWordsOptions { KeepFraction = 1 }), "darn", id)));
    }

    [Fact]
    public void TheListComesFromAFileNamedInTheConfiguration()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        File.WriteAllLines(Path.Combine(directory, "list.txt"), ["# house list", "", "frobnicate", "  "]);
        var stage = (IDocumentStage)StageRegistry.Create(JsonNode.Parse("""{ "stage": "badwords", "words_file": "list.txt" }""")!.AsObject(), new StageContext(directory));
        Assert.False(stage.Apply(new Document("a", "Do not frobnicate.", [])).Kept);
        Assert.True(stage.Apply(new Document("b", "A house list", [])).Kept);   // comment lines are not words

        var missing = Assert.Throws<ArgumentException>(() => StageRegistry.Create(JsonNode.Parse("""{ "stage": "badwords" }""")!.AsObject(), new StageContext(directory)));
        Assert.Contains("words_file", missing.Message);
        var absent = Assert.Throws<FileNotFoundException>(() => StageRegistry.Create(JsonNode.Parse("""{ "stage": "badwords", "words_file": "nope.txt" }""")!.AsObject(), new StageContext(directory)));
        Assert.Contains("nope.txt", absent.Message);
    }
}
