using Strata.Models;
using Strata.Models.Configuration;
using static TorchSharp.torch;

namespace Strata.Models.Llama;

/// <summary>What attention needs to place a run of new tokens: RoPE tables and/or an additive mask.</summary>
public sealed class PositionContext : IDisposable
{
    /// <summary>(T, hd) RoPE cosines, or null without RoPE.</summary>
    public Tensor? Cos { get; init; }

    /// <summary>(T, hd) RoPE sines, or null without RoPE.</summary>
    public Tensor? Sin { get; init; }

    /// <summary>(1, nh, T, S) or (T, S) additive float mask; null means plain causal attention over S == T (or T == 1).</summary>
    public Tensor? AttentionMask { get; init; }

    public void Dispose()
    {
        Cos?.Dispose();
        Sin?.Dispose();
        AttentionMask?.Dispose();
    }
}

/// <summary>Builds <see cref="PositionContext"/>s for a model's position scheme.</summary>
public sealed class PositionEncoder
{
    private readonly PositionEncoding scheme;
    private readonly float[] inverseFrequencies = [];
    private readonly float[] slopes = [];

    public PositionEncoder(ModelConfig config)
    {
        scheme = config.PositionEncoding;
        if (scheme == PositionEncoding.Rope) inverseFrequencies = Rotary.InverseFrequencies(config);
        else slopes = Alibi.Slopes(config.NumAttentionHeads);
    }

    /// <summary>Whether positions are rotary (no per-sequence attention bias), so decode tokens can attend as one batch.</summary>
    public bool UsesRope => scheme == PositionEncoding.Rope;

    /// <summary>Positions <paramref name="start"/> … start+length−1, attending to everything before them.</summary>
    /// <param name="extraMask">Optional additive (B, 1, T, S) mask combined with the causal one, e.g. the
    /// block-diagonal mask that keeps packed training examples from attending to each other.</param>
    public PositionContext For(long start, long length, Device device, Tensor? extraMask = null)
    {
        using var scope = NewDisposeScope();
        PositionContext context;
        if (scheme == PositionEncoding.Rope)
        {
            var (cos, sin) = Rotary.Tables(inverseFrequencies, start, length, device);
            var mask = start > 0 && length > 1 || extraMask is not null ? CausalMask(start, length, device) : null;
            if (extraMask is not null) mask = mask!.Plus(extraMask);                            // (B, 1, T, S)
            context = new PositionContext
            {
                Cos = cos.MoveToOuterDisposeScope(),
                Sin = sin.MoveToOuterDisposeScope(),
                AttentionMask = mask?.MoveToOuterDisposeScope(),
            };
        }
        else
        {
            var bias = Alibi.Bias(slopes, start, length, device).Plus(CausalMask(start, length, device)); // (1, nh, T, S)
            if (extraMask is not null) bias = bias.Plus(extraMask);                                        // (B, nh, T, S)
            context = new PositionContext { AttentionMask = bias.MoveToOuterDisposeScope() };
        }
        return context;
    }

    /// <summary>
    /// For a ragged batch (sequences end to end, see <see cref="RaggedBatch"/>): one context holding the RoPE tables of
    /// all N tokens, applied in one pass, and per sequence a context holding only its attention mask.
    /// </summary>
    public (PositionContext Shared, PositionContext[] PerSequence) ForRagged(IReadOnlyList<(long Start, long Length)> sequences, Device device)
    {
        using var scope = NewDisposeScope();
        var perSequence = new PositionContext[sequences.Count];
        if (scheme == PositionEncoding.Rope)
        {
            var steps = new List<float>();
            for (int i = 0; i < sequences.Count; i++)
            {
                var (start, length) = sequences[i];
                for (long t = 0; t < length; t++) steps.Add(start + t);
                var mask = start > 0 && length > 1 ? CausalMask(start, length, device) : null;
                perSequence[i] = new PositionContext { AttentionMask = mask?.MoveToOuterDisposeScope() };
            }
            var (cos, sin) = Rotary.Tables(inverseFrequencies, steps.ToArray(), device);
            return (new PositionContext { Cos = cos.MoveToOuterDisposeScope(), Sin = sin.MoveToOuterDisposeScope() }, perSequence);
        }
        for (int i = 0; i < sequences.Count; i++)
        {
            var (start, length) = sequences[i];
            var bias = Alibi.Bias(slopes, start, length, device).Plus(CausalMask(start, length, device));   // (1, nh, T, S)
            perSequence[i] = new PositionContext { AttentionMask = bias.MoveToOuterDisposeScope() };
        }
        return (new PositionContext(), perSequence);
    }

    /// <summary>(T, S) mask: 0 where key j ≤ query position start+i, −∞ after it.</summary>
    // Built from a managed array: TorchSharp's implicit Scalars (masked_fill(-inf), arange bounds) can be
    // finalized while native code still reads them, which corrupted long training runs.
    private static Tensor CausalMask(long start, long length, Device device)
    {
        long total = start + length;
        var data = new float[length * total];
        for (long i = 0; i < length; i++)
            for (long j = start + i + 1; j < total; j++)
                data[i * total + j] = float.NegativeInfinity;
        return tensor(data, [length, total]).to(device);                                 // (T, S)
    }
}

/// <summary>Rotary position embedding in HF's rotate-half layout, with linear and llama3 frequency scaling.</summary>
internal static class Rotary
{
    public static float[] InverseFrequencies(ModelConfig config)
    {
        int dim = config.HeadDimension;
        var inv = new double[dim / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            // HF computes base^(2i/d) in float32; the difference is far below test tolerance.
            inv[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / dim);
        }
        var scaling = config.RopeScaling;
        switch (scaling?.Kind)
        {
            case "linear":
                for (int i = 0; i < inv.Length; i++) inv[i] /= scaling.Factor;
                break;
            case "llama3":
                ScaleLlama3(inv, scaling);
                break;
        }
        return inv.Select(v => (float)v).ToArray();
    }

    /// <summary>Llama 3.1: keep high frequencies, divide low ones by factor, interpolate in between.</summary>
    private static void ScaleLlama3(double[] inv, RopeScaling s)
    {
        double original = s.OriginalMaxPositionEmbeddings!.Value;
        double low = s.LowFreqFactor!.Value, high = s.HighFreqFactor!.Value;
        double lowFreqWavelength = original / low, highFreqWavelength = original / high;
        for (int i = 0; i < inv.Length; i++)
        {
            double wavelength = 2 * Math.PI / inv[i];
            if (wavelength < highFreqWavelength) continue;
            if (wavelength > lowFreqWavelength)
            {
                inv[i] /= s.Factor;
                continue;
            }
            double smooth = (original / wavelength - low) / (high - low);
            inv[i] = (1 - smooth) * inv[i] / s.Factor + smooth * inv[i];
        }
    }

    /// <returns>cos and sin, each (T, hd) = cat(freqs, freqs) as HF builds them.</returns>
    public static (Tensor Cos, Tensor Sin) Tables(float[] inverseFrequencies, long start, long length, Device device)
    {
        var steps = new float[length];
        for (long i = 0; i < length; i++) steps[i] = start + i;
        return Tables(inverseFrequencies, steps, device);
    }

    /// <returns>cos and sin, each (T, hd), for arbitrary token positions.</returns>
    public static (Tensor Cos, Tensor Sin) Tables(float[] inverseFrequencies, float[] steps, Device device)
    {
        var positions = tensor(steps).to(device);                                                // (T)
        var inv = tensor(inverseFrequencies).to(device);                                         // (hd/2)
        var freqs = outer(positions, inv);                                                       // (T, hd/2)
        var emb = cat([freqs, freqs], dim: -1);                                                 // (T, hd)
        return (emb.cos(), emb.sin());
    }

    /// <summary>x·cos + rotate_half(x)·sin for x of shape (B, h, T, hd).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([x2.neg(), x1], dim: -1);
        if (cos.dtype != x.dtype) (cos, sin) = (cos.to_type(x.dtype), sin.to_type(x.dtype));
        return (x * cos).PlusInPlace(rotated * sin);
    }
}

/// <summary>Attention with linear biases (Press et al., 2022).</summary>
internal static class Alibi
{
    /// <summary>Head slopes as in the paper's reference code, including its rule for head counts that are not powers of two.</summary>
    public static float[] Slopes(int heads)
    {
        static IEnumerable<double> PowerOfTwo(int n)
        {
            double start = Math.Pow(2, -Math.Pow(2, -(Math.Log2(n) - 3)));
            return Enumerable.Range(0, n).Select(i => Math.Pow(start, i + 1));
        }

        if ((heads & (heads - 1)) == 0) return PowerOfTwo(heads).Select(v => (float)v).ToArray();
        int closest = 1 << (int)Math.Floor(Math.Log2(heads));
        return PowerOfTwo(closest)
            .Concat(PowerOfTwo(2 * closest).Where((_, i) => i % 2 == 0).Take(heads - closest))
            .Select(v => (float)v)
            .ToArray();
    }

    /// <returns>(1, nh, T, S): slope_h · (j − i), i.e. −slope·distance for earlier keys.</returns>
    public static Tensor Bias(float[] slopes, long start, long length, Device device)
    {
        long total = start + length;
        var data = new float[slopes.Length * length * total];
        for (int h = 0; h < slopes.Length; h++)
            for (long i = 0; i < length; i++)
                for (long j = 0; j < total; j++)
                    data[(h * length + i) * total + j] = slopes[h] * (j - (start + i));
        return tensor(data, [1, slopes.Length, length, total]).to(device);                      // (1, nh, T, S)
    }
}
