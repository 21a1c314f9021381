using Strata.Models.Generation;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Generation;

public class SequenceDecoderTests
{
    [Fact]
    public void LogprobsAreTheLogSoftmaxOfTheRawLogits()
    {
        // log p_i = x_i − log Σ exp(x_j), written out for x = (1, 3, 2, 3).
        float[] logits = [1f, 3f, 2f, 3f];
        double logSum = Math.Log(Math.Exp(1) + 2 * Math.Exp(3) + Math.Exp(2));
        var (all, top) = SequenceDecoder.Logprobs(logits, 3);
        Assert.Equal(1 - logSum, all[0], 12);
        Assert.Equal(3 - logSum, all[3], 12);
        // Most likely first; ties keep the lower id first, as a stable sort would.
        Assert.Equal([1, 3, 2], top.Select(t => t.TokenId));
        Assert.Equal(2 - logSum, top[2].Logprob, 12);
    }

    [Fact]
    public void ChosenTokenCarriesItsLogprobAndAlternatives()
    {
        var decoder = new SequenceDecoder(ByteTokenizer.Instance, [65], SamplingOptions.Greedy, [], maxLength: 100, topLogprobs: 2);
        var logits = new float[256];
        logits['x'] = 5;
        logits['y'] = 4;
        var chunk = decoder.Next(logits, sequenceLength: 1);
        Assert.Equal('x', chunk.TokenId);
        Assert.Equal("x", chunk.Text);
        Assert.Equal(SequenceDecoder.Logprobs(logits, 0).Logprobs['x'], chunk.Logprob!.Value, 12);
        Assert.Equal(['x', 'y'], chunk.TopLogprobs!.Select(t => t.TokenId));
    }

}
