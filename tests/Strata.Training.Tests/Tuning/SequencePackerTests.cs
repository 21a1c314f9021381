using Strata.Models.Tokenization;
using Strata.Training.Tuning;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Training.Tests.Tuning;

public sealed class SequencePackerTests
{
    private const long X = -100; // ignore index

    // Hand-made: A trains on its tokens 2 and 3 (12, 13), B on its tokens 1 and 2 (21, 22).
    private static readonly TokenizedExample A = new([10, 11, 12, 13, 14], [false, false, true, true, false]);
    private static readonly TokenizedExample B = new([20, 21, 22], [false, true, true]);

    [Fact]
    public void PackedRowShiftsTargetsWithinEachExample()
    {
        var packer = new SequencePacker();
        var row = Assert.Single(packer.Pack([A, B], contextLength: 8, pack: true));

        Assert.Equal([10L, 11, 12, 13, 14, 20, 21, 22], row.InputIds);
        // Position t predicts token t+1 when that token is trained; A's last token never predicts B's first.
        Assert.Equal([X, 12L, 13, X, X, 21, 22, X], row.Targets);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], row.DocumentIds);
        Assert.Equal((2, 0, 0), (packer.Examples, packer.TruncatedExamples, packer.DroppedExamples));
    }

    [Fact]
    public void ExamplesThatDoNotFitStartANewRowAndUnpackedRowsHoldOneExample()
    {
        var packed = new SequencePacker().Pack([A, B, B], contextLength: 6, pack: true).ToList();
        Assert.Equal([[10L, 11, 12, 13, 14], [20L, 21, 22, 20, 21, 22]], packed.Select(r => r.InputIds));
        Assert.Equal([0, 0, 0, 1, 1, 1], packed[1].DocumentIds);

        var unpacked = new SequencePacker().Pack([A, B], contextLength: 8, pack: false).ToList();
        Assert.Equal([[10L, 11, 12, 13, 14], [20L, 21, 22]], unpacked.Select(r => r.InputIds));
        Assert.Equal([X, 12L, 13, X, X], unpacked[0].Targets);
        Assert.Equal([21L, 22, X], unpacked[1].Targets);
        Assert.All(unpacked, r => Assert.All(r.DocumentIds, d => Assert.Equal(0, d)));
    }

    [Fact]
    public void LongExamplesAreTruncatedAndUntrainableOnesDropped()
    {
        var packer = new SequencePacker();
        var rows = packer.Pack(
            [
                A,                                                         // 5 tokens > 3: cut to 10 11 12
                new TokenizedExample([1, 2, 3], [false, false, false]),   // nothing to learn
                new TokenizedExample([5, 6, 7, 8, 9], [false, false, false, false, true]), // trained token cut off
                B,
            ],
            contextLength: 3, pack: true).ToList();

        Assert.Equal([[10L, 11, 12], [20L, 21, 22]], rows.Select(r => r.InputIds));
        // The last kept position still predicts the first cut-off token (13), which belongs to the same example.
        Assert.Equal([X, 12L, 13], rows[0].Targets);
        Assert.Equal((4, 2, 2), (packer.Examples, packer.TruncatedExamples, packer.DroppedExamples));
    }

    [Fact]
    public void CollatePadsWithPadIdAndIgnoredTargets()
    {
        var rows = new SequencePacker().Pack([A, B], contextLength: 8, pack: false).ToList();

        var (inputs, targets, mask) = SequencePacker.Collate(rows, padId: 0);
        using (inputs)
        using (targets)
        {
            Assert.Null(mask); // one document per row: causal attention is exact
            Assert.Equal([2L, 5], inputs.shape);
            Assert.Equal(ScalarType.Int64, inputs.dtype);
            Assert.Equal(ScalarType.Int64, targets.dtype);
            Assert.Equal([10L, 11, 12, 13, 14, 20, 21, 22, 0, 0], inputs.data<long>().ToArray());
            Assert.Equal([X, 12L, 13, X, X, 21, 22, X, X, X], targets.data<long>().ToArray());
        }
    }

    [Fact]
    public void PackedMaskIsCausalAndBlockDiagonal()
    {
        var c = new TokenizedExample([30, 31], [false, true]);
        var rows = new SequencePacker().Pack([A, B, c, B], contextLength: 10, pack: true).ToList();
        Assert.Equal([10, 3], rows.Select(r => r.InputIds.Length)); // A B c | B

        var (inputs, targets, mask) = SequencePacker.Collate(rows, padId: 0);
        using var _ = inputs;
        using var __ = targets;
        using var m = Assert.IsType<Tensor>(mask);
        Assert.Equal([2L, 1, 10, 10], m.shape);
        Assert.Equal(ScalarType.Float32, m.dtype);
        float[] values = m.data<float>().ToArray();
        // Expected documents written out by hand; padding (row 1, positions 3..9) is its own block.
        int[][] documents = [[0, 0, 0, 0, 0, 1, 1, 1, 2, 2], [0, 0, 0, 9, 9, 9, 9, 9, 9, 9]];
        for (int b = 0; b < 2; b++)
        {
            for (int i = 0; i < 10; i++)
            {
                for (int j = 0; j < 10; j++)
                {
                    float value = values[(b * 10 + i) * 10 + j];
                    bool allowed = j <= i && documents[b][i] == documents[b][j];
                    Assert.True(allowed ? value == 0f : float.IsNegativeInfinity(value), $"row {b}, mask[{i},{j}] = {value}");
                }
            }
        }
        Assert.Equal([X, X, X, X, X, X, X], targets[1, 3..].data<long>().ToArray());
    }

    [Fact]
    public void MaskedAttentionOverPackedRowEqualsAttentionOverEachExampleAlone()
    {
        // Functional check with PyTorch's own attention: a packed document must see exactly what it would alone.
        var rows = new SequencePacker().Pack([A, B], contextLength: 8, pack: true).ToList();
        var (inputs, targets, mask) = SequencePacker.Collate(rows, padId: 0);
        using var _ = inputs;
        using var __ = targets;
        using var m = mask!;
        using var scope = NewDisposeScope();
        manual_seed(7);
        var q = randn(1, 2, 8, 4);
        var k = randn(1, 2, 8, 4);
        var v = randn(1, 2, 8, 4);

        var packed = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: m);
        foreach (var (start, end) in new[] { (0, 5), (5, 8) })
        {
            var alone = nn.functional.scaled_dot_product_attention(
                q[.., .., start..end], k[.., .., start..end], v[.., .., start..end], is_casual: true);
            Assert.True(allclose(packed[.., .., start..end], alone, rtol: 1e-5, atol: 1e-6), $"document {start}..{end}");
        }
    }

    [Fact]
    public void FastChatConversationsPackWithoutLosingTrainedTokens()
    {
        var tokenizer = BundledTokenizer.Load();
        var format = new ChatFormat(tokenizer);
        string path = Path.Combine(TestPaths.SharedData, "conversations", "fastchat-dummy_conversation.json");
        var examples = ConversationReader.Read(path).Take(60).Select(format.Render).ToList();
        var packer = new SequencePacker();

        var rows = packer.Pack(examples, contextLength: 256, pack: true).ToList();

        Assert.All(rows, r => Assert.InRange(r.InputIds.Length, 1, 256));
        Assert.Equal(0, packer.TruncatedExamples);
        Assert.True(rows.Count < examples.Count, "packing should put several short conversations in one row");
        // Every trained token (the first token, <|im_start|>, never is) appears once as a target.
        Assert.Equal(examples.Sum(e => e.LossMask.Count(t => t)), rows.Sum(r => r.Targets.Count(t => t != SequencePacker.IgnoreIndex)));
        Assert.Equal(examples.Sum(e => e.InputIds.Length), rows.Sum(r => r.InputIds.Length));
    }
}
