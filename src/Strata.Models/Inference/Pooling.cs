namespace Strata.Models.Inference;

/// <summary>Sentence vectors from per-token hidden states.</summary>
public static class Pooling
{
    /// <summary>The mean of the T rows of <paramref name="hidden"/> (T × <paramref name="width"/>), scaled to unit length.</summary>
    public static float[] MeanNormalised(ReadOnlySpan<float> hidden, int width)
    {
        if (width <= 0 || hidden.Length == 0 || hidden.Length % width != 0)
        {
            throw new ArgumentException($"{hidden.Length} values are not rows of {width}", nameof(hidden));
        }
        int rows = hidden.Length / width;
        var sum = new double[width];
        for (int t = 0; t < rows; t++)
        {
            var row = hidden.Slice(t * width, width);
            for (int c = 0; c < width; c++) sum[c] += row[c];
        }
        var mean = new float[width];
        for (int c = 0; c < width; c++) mean[c] = (float)(sum[c] / rows);
        return Normalised(mean);
    }

    /// <summary><paramref name="vector"/> scaled to unit length (a zero vector stays zero), so a dot product is a cosine.</summary>
    public static float[] Normalised(ReadOnlySpan<float> vector)
    {
        double norm = 0;
        foreach (float v in vector) norm += (double)v * v;
        norm = Math.Sqrt(norm);
        var result = vector.ToArray();
        if (norm == 0) return result;
        for (int i = 0; i < result.Length; i++) result[i] = (float)(result[i] / norm);
        return result;
    }
}
