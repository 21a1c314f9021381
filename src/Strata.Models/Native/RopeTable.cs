using Strata.Models.Configuration;

namespace Strata.Models.Native;

/// <summary>
/// RoPE cosines and sines per position, computed once (in double, from the same inverse frequencies as the TorchSharp
/// path, scaling included) and grown on demand, so no step evaluates a trigonometric function.
/// </summary>
internal sealed class RopeTable(ModelConfig config)
{
    private readonly float[] inverse = Llama.Rotary.InverseFrequencies(config);
    private float[] cos = [], sin = [];
    private int positions;

    public int Half => inverse.Length;

    /// <summary>Ensures rows for positions below <paramref name="count"/>.</summary>
    public void Ensure(int count)
    {
        if (count <= positions) return;
        int capacity = Math.Max(count, Math.Max(256, positions * 2));
        var newCos = new float[capacity * Half];
        var newSin = new float[capacity * Half];
        for (int p = 0; p < capacity; p++)
        {
            for (int i = 0; i < Half; i++)
            {
                double angle = p * (double)inverse[i];
                newCos[p * Half + i] = (float)Math.Cos(angle);
                newSin[p * Half + i] = (float)Math.Sin(angle);
            }
        }
        (cos, sin, positions) = (newCos, newSin, capacity);
    }

    public float[] Cos => cos;

    public float[] Sin => sin;
}
