namespace Strata.Data.Tests.Filters;

using Strata.Data.Filters;
using static Samples;

// Expected outcomes follow datatrove's C4QualityFilter line by line: a line is dropped for a word over 1000
// characters, for no terminal punctuation (. ? ! " ') or a trailing "...", for fewer than 3 words, for "javascript",
// for a policy phrase; "lorem ipsum" or "{" in a surviving line removes the document; fewer than 5 sentences too.
public class C4FilterTests
{
    private static readonly C4Filter Filter = new();

    private static string Kept(string text)
    {
        var result = Filter.Apply(Doc(text));
        Assert.True(result.Kept, result.Reason);
        return result.Document!.Text;
    }

    [Fact]
    public void OrdinaryProseIsKeptUnchanged() => Assert.Equal(Prose, Kept(Prose));

    [Theory]
    [InlineData("Home About Contact")] // no terminal punctuation
    [InlineData("And then there was more...")] // ends with an ellipsis
    [InlineData("Yes indeed.")] // two words
    [InlineData("Please enable JavaScript to view this page.")]
    [InlineData("This site uses cookies to improve your visit.")]
    [InlineData("Read our Privacy Policy before you sign up.")]
    public void LineIsDropped(string line)
    {
        Assert.Equal(Prose, Kept(line + "\n" + Prose));
        Assert.Equal(Prose, Kept(Prose + "\n   " + line + "  "));
    }

    [Theory]
    [InlineData("Yes it is.")] // three words
    [InlineData("He said \"go home now\"")]
    [InlineData("Is that all there is?")]
    public void LineIsKept(string line) => Assert.Equal(line + "\n" + Prose, Kept(line + "\n" + Prose));

    [Fact]
    public void LongWordDropsItsLine() =>
        Assert.Equal(Prose, Kept($"A {new string('x', 1001)} word.\n{Prose}"));

    [Fact]
    public void CitationsAreRemovedBeforeThePunctuationCheck() =>
        Assert.Equal("The sky is blue.\n" + Prose, Kept("  The sky is blue.[12]\n" + Prose));

    [Fact]
    public void LoremIpsumRemovesTheDocument() =>
        Assert.Equal("lorem_ipsum", Filter.Apply(Doc(Prose + "\nLorem ipsum dolor sit amet.")).Reason);

    [Fact]
    public void CurlyBracketRemovesTheDocument()
    {
        Assert.Equal("curly_bracket", Filter.Apply(Doc(Prose + "\nSet x to {1, 2} for the test.")).Reason);
        // Only lines that survived the earlier line rules are checked.
        Assert.Equal(Prose, Kept(Prose + "\nfunction f() {"));
    }

    [Fact]
    public void FiveSentencesAreNeeded()
    {
        var lines = Enumerable.Range(1, 5).Select(i => $"This is sentence {i}.").ToArray();
        Assert.Equal("too_few_sentences", Filter.Apply(Doc(string.Join('\n', lines[..4]))).Reason);
        Assert.Equal(string.Join('\n', lines), Kept(string.Join('\n', lines)));
        // Two sentences on one line count twice.
        Assert.True(Filter.Apply(Doc("One two three. Four five six.\n" + string.Join('\n', lines[..3]))).Kept);
    }
}
