using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>
/// Split behaviours on Hugging Face's documented example ("the-final--countdown" split on "-", from the tokenizers
/// SplitDelimiterBehavior documentation and its ports' tests); the JavaScript reference only implements Isolated.
/// </summary>
public class SplitBehaviorTests
{
    [Theory]
    [InlineData(SplitBehavior.Removed, "the|final|countdown")]
    [InlineData(SplitBehavior.Isolated, "the|-|final|-|-|countdown")]
    [InlineData(SplitBehavior.MergedWithPrevious, "the-|final-|-|countdown")]
    [InlineData(SplitBehavior.MergedWithNext, "the|-final|-|-countdown")]
    [InlineData(SplitBehavior.Contiguous, "the|-|final|--|countdown")]
    internal void SplitsLikeHuggingFace(SplitBehavior behavior, string expected)
    {
        var pipeline = new PreTokenizerPipeline([SplitStep.Create("-", behavior)]);
        Assert.Equal(expected.Split('|'), pipeline.Split("the-final--countdown", firstSegment: true));
    }

    [Fact]
    public void InvertKeepsTheMatchesAsPieces()
    {
        // tokenizer.json's Whitespace pre-tokenizer is Split(\w+|[^\w\s]+, Removed, invert: true).
        var pipeline = new PreTokenizerPipeline([SplitStep.Create(@"\w+|[^\w\s]+", SplitBehavior.Removed, invert: true)]);
        Assert.Equal(["Hey", "friend", "!", "How", "are", "you", "?!?"], pipeline.Split("Hey friend!  How are you?!?", true));
    }
}
