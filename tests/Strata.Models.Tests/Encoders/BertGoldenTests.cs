using System.Text.Json;
using Strata.Models.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Tests.Encoders;

/// <summary>
/// The BERT encoder against an independent numpy reference (tests/tools/bert_reference.py, float64) on tiny checkpoints
/// that the reference itself wrote: a mean-pooling bi-encoder saved bare (F32, erf GELU), a CLS-pooling one under the
/// <c>bert.</c> prefix with MLM tensors to ignore (F16, tanh GELU), a one-logit cross-encoder and a three-label
/// classifier (BF16). Inputs of different lengths run as one padded batch, so the mask is tested too.
/// </summary>
public class BertGoldenTests
{
    private const double Tolerance = 1e-4;

    private sealed record Golden(int[][] input_ids, int[][] token_type_ids, double[][][] last_hidden_state, double[][]? pooled, double[][]? logits);

    private static string Folder(string name) => Path.Combine(TestPaths.Golden, "encoders", name);

    private static Golden Read(string name) =>
        JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(Folder(name), "golden.json")))!;

    private static List<EncodedInput> Inputs(Golden golden) =>
        golden.input_ids.Select((ids, i) => new EncodedInput(ids, golden.token_type_ids[i])).ToList();

    [Theory]
    [InlineData("bert-mean")]
    [InlineData("bert-cls")]
    public void LastHiddenStatesMatchReference(string name)
    {
        var golden = Read(name);
        var config = EncoderConfig.Load(Folder(name));
        using var model = (BertModel)EncoderCheckpoint.Load(Folder(name), config);
        int batch = golden.input_ids.Length, width = golden.input_ids.Max(x => x.Length);
        var ids = new long[batch * width];
        var types = new long[batch * width];
        var mask = new long[batch * width];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < golden.input_ids[b].Length; t++)
            {
                ids[b * width + t] = golden.input_ids[b][t];
                types[b * width + t] = golden.token_type_ids[b][t];
                mask[b * width + t] = 1;
            }
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = model.forward(tensor(ids, [batch, width]), tensor(types, [batch, width]), tensor(mask, [batch, width]));
        var values = hidden.data<float>().ToArray();
        int size = config.HiddenSize;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < golden.input_ids[b].Length; t++)
            {
                for (int c = 0; c < size; c++)
                {
                    double expected = golden.last_hidden_state[b][t][c], actual = values[(b * width + t) * size + c];
                    Assert.True(Math.Abs(expected - actual) < Tolerance, $"{name}: input {b}, position {t}, dim {c}: reference {expected}, Strata {actual}");
                }
            }
        }
    }

    [Theory]
    [InlineData("bert-mean", PoolingMode.Mean)]
    [InlineData("bert-cls", PoolingMode.Cls)]
    public void PooledEmbeddingsMatchReference(string name, PoolingMode mode)
    {
        var golden = Read(name);
        using var encoder = TextEncoder.Open(Folder(name));
        Assert.Equal(new EncoderPooling(mode, Normalize: true), encoder.Pooling);
        AssertClose(name, golden.pooled!, encoder.Run(Inputs(golden)));
    }

    [Theory]
    [InlineData("bert-cross-encoder")]
    [InlineData("bert-classifier-3")]
    public void ClassifierLogitsMatchReference(string name)
    {
        var golden = Read(name);
        using var encoder = TextEncoder.Open(Folder(name));
        Assert.Equal(EncoderHead.SequenceClassification, encoder.Head);
        AssertClose(name, golden.logits!, encoder.Run(Inputs(golden)));
    }

    [Fact]
    public void EachInputAloneGivesWhatTheBatchGives()
    {
        var golden = Read("bert-mean");
        using var encoder = TextEncoder.Open(Folder("bert-mean"));
        var inputs = Inputs(golden);
        var batched = encoder.Run(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            var alone = encoder.Run([inputs[i]])[0];
            for (int c = 0; c < alone.Length; c++) Assert.Equal(batched[i][c], alone[c], 5);
        }
    }

    private static void AssertClose(string name, double[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int c = 0; c < expected[i].Length; c++)
            {
                Assert.True(Math.Abs(expected[i][c] - actual[i][c]) < Tolerance, $"{name}: input {i}, output {c}: reference {expected[i][c]}, Strata {actual[i][c]}");
            }
        }
    }
}
