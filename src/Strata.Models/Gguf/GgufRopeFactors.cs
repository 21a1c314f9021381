using Strata.Models.Configuration;

namespace Strata.Models.Gguf;

/// <summary>
/// Llama 3 RoPE scaling in GGUF. llama.cpp has no metadata for it: convert_hf_to_gguf.py writes a
/// <c>rope_freqs.weight</c> tensor of head_dim/2 per-frequency divisors (1 for high frequencies, factor for low ones,
/// a smooth blend between), and llama.cpp divides each RoPE frequency by its entry. Strata writes the same tensor and,
/// reading a file, maps the divisors back to <c>rope_scaling</c> llama3 parameters that reproduce them exactly.
/// </summary>
public static class GgufRopeFactors
{
    /// <summary>llama.cpp's assumption (and Llama 3's value) for the pre-scaling context when no key gives one.</summary>
    public const int DefaultOriginalContext = 8192;

    private const double Tolerance = 1e-5;

    /// <summary>
    /// The divisors for <paramref name="config"/>'s llama3 scaling as convert_hf_to_gguf.py computes them (in double,
    /// then rounded to float32; its float32 torch arithmetic can differ in the last bit), or null without llama3
    /// scaling. Uses <c>rope_scaling.original_max_position_embeddings</c> (convert_hf_to_gguf.py reads a top-level key
    /// and falls back to 8192; the two agree for every published Llama 3).
    /// </summary>
    public static float[]? FromConfig(ModelConfig config)
    {
        if (config.RopeScaling is not { Kind: "llama3" } scaling) return null;
        return Compute(config.RopeTheta, config.HeadDimension, scaling.Factor, scaling.LowFreqFactor!.Value,
            scaling.HighFreqFactor!.Value, scaling.OriginalMaxPositionEmbeddings!.Value);
    }

    /// <summary>HF's llama3 rule per frequency: the divisor applied to 1/θ^(2i/d).</summary>
    public static float[] Compute(double theta, int headDim, double factor, double lowFreqFactor, double highFreqFactor, double originalContext)
    {
        var divisors = new float[headDim / 2];
        double lowWavelength = originalContext / lowFreqFactor, highWavelength = originalContext / highFreqFactor;
        for (int i = 0; i < divisors.Length; i++)
        {
            double wavelength = 2 * Math.PI * Math.Pow(theta, 2.0 * i / headDim);
            if (wavelength < highWavelength) divisors[i] = 1;
            else if (wavelength > lowWavelength) divisors[i] = (float)factor;
            else
            {
                double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                divisors[i] = (float)(1 / ((1 - smooth) / factor + smooth));
            }
        }
        return divisors;
    }

    /// <summary>
    /// llama3 <see cref="RopeScaling"/> parameters whose divisors equal <paramref name="divisors"/> (to 1e-5), or null
    /// when every divisor is 1. The divisors fix the factor and the line smooth(1/wavelength) but not the original
    /// context by itself, so <paramref name="originalContext"/> is taken as given and the frequency factors follow.
    /// </summary>
    /// <exception cref="InvalidDataException">No llama3 parameters reproduce the divisors; the message names <paramref name="source"/>.</exception>
    public static RopeScaling? ToRopeScaling(IReadOnlyList<float> divisors, double theta, int headDim, int originalContext, string source)
    {
        if (divisors.Count != headDim / 2)
            throw new InvalidDataException($"{source}: {GgufTensorNames.RopeFrequencies} has {divisors.Count} entries, expected head_dim/2 = {headDim / 2}");
        double factor = divisors.Max();
        if (divisors.Any(d => !(d > 0) || float.IsInfinity(d)))
            throw new InvalidDataException($"{source}: {GgufTensorNames.RopeFrequencies} holds a non-positive or non-finite divisor");
        if (Math.Abs(factor - 1) < Tolerance) return null;

        // smooth s = a·x − b in x = 1/wavelength; between the bands the divisor is 1/((1 − s)/factor + s).
        var high = new List<double>();
        var low = new List<double>();
        var middle = new List<(double X, double S)>();
        for (int i = 0; i < divisors.Count; i++)
        {
            double x = 1 / (2 * Math.PI * Math.Pow(theta, 2.0 * i / headDim));
            double d = divisors[i];
            if (Math.Abs(d - 1) <= Tolerance) high.Add(x);
            else if (Math.Abs(d - factor) <= Tolerance * factor) low.Add(x);
            else middle.Add((x, (1 / d - 1 / factor) / (1 - 1 / factor)));
        }
        var (a, b) = FitLine(high, low, middle);
        double span = originalContext / a;            // high_freq_factor − low_freq_factor
        double lowFreqFactor = b * originalContext / a;
        var candidates = new[] { (Snap(factor), Snap(lowFreqFactor), Snap(lowFreqFactor + span)), (factor, lowFreqFactor, lowFreqFactor + span) };
        foreach (var (f, lo, hi) in candidates)
        {
            if (!(lo > 0) || !(hi > lo)) continue;
            var again = Compute(theta, headDim, f, lo, hi, originalContext);
            if (again.Zip(divisors).All(p => Math.Abs(p.First - p.Second) <= Tolerance * Math.Max(1, p.Second)))
            {
                return new RopeScaling
                {
                    RopeType = "llama3",
                    Factor = f,
                    LowFreqFactor = lo,
                    HighFreqFactor = hi,
                    OriginalMaxPositionEmbeddings = originalContext,
                };
            }
        }
        throw new InvalidDataException(
            $"{source}: {GgufTensorNames.RopeFrequencies} does not follow Llama 3's RoPE scaling rule, the only one Strata maps it to");
    }

    private static (double A, double B) FitLine(List<double> high, List<double> low, List<(double X, double S)> middle)
    {
        if (middle.Count >= 2)
        {
            // Least squares over the blended frequencies (exact up to float rounding).
            double n = middle.Count, sx = middle.Sum(m => m.X), ss = middle.Sum(m => m.S);
            double sxx = middle.Sum(m => m.X * m.X), sxs = middle.Sum(m => m.X * m.S);
            double a = (n * sxs - sx * ss) / (n * sxx - sx * sx);
            return (a, (a * sx - ss) / n);
        }
        // Too few blended points to pin the line: any line that keeps the high band at s ≥ 1 and the low band at
        // s ≤ 0 gives the same divisors for these frequencies.
        double? xHigh = high.Count > 0 ? high.Min() : null, xLow = low.Count > 0 ? low.Max() : null;
        if (middle.Count == 1)
        {
            var (x, s) = middle[0];
            // The bands bound the slope from below; 2s/x on top keeps b = s > 0, a positive low_freq_factor.
            double slope = Math.Max(xHigh is double h ? (1 - s) / (h - x) : 0, xLow is double l ? s / (x - l) : 0);
            slope = Math.Max(slope, 2 * s / x);
            return (slope, slope * x - s);
        }
        if (xHigh is double hi && xLow is double lo)
        {
            double slope = 1 / (hi - lo);
            return (slope, slope * lo);
        }
        // Every divisor equals the factor: put the whole band below s = 0.
        double largest = low.Max();
        return (1 / largest, 2);
    }

    private static double Snap(double value)
    {
        double snapped = Math.Round(value * 1024) / 1024;
        return Math.Abs(snapped - value) <= 1e-4 * Math.Abs(value) ? snapped : value;
    }
}
