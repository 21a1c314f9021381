using System.Runtime.Intrinsics;

namespace Strata.Models.Native.Kernels;

/// <summary>Element-wise kernels of the transformer block, vectorised with .NET's portable SIMD (AVX-512/AVX2 underneath).</summary>
internal static unsafe class VectorOps
{
    /// <summary>y = x / sqrt(mean(x²) + eps) · w, the mean accumulated in float32 as Hugging Face does.</summary>
    public static void RmsNorm(float* x, float* w, float* y, int n, float eps)
    {
        float sum = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && !Isa.ForceScalar)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.Load(x + i);
                acc += v * v;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += x[i] * x[i];
        float scale = 1f / MathF.Sqrt(sum / n + eps);
        i = 0;
        if (Vector256.IsHardwareAccelerated && !Isa.ForceScalar)
        {
            var s = Vector256.Create(scale);
            for (; i + 8 <= n; i += 8) (Vector256.Load(x + i) * s * Vector256.Load(w + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = x[i] * scale * w[i];
    }

    /// <summary>x += y.</summary>
    public static void Add(float* x, float* y, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && !Isa.ForceScalar)
        {
            for (; i + 8 <= n; i += 8) (Vector256.Load(x + i) + Vector256.Load(y + i)).Store(x + i);
        }
        for (; i < n; i++) x[i] += y[i];
    }

    /// <summary>gate = silu(gate) · up, SwiGLU's gating.</summary>
    public static void SiluMul(float* gate, float* up, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && !Isa.ForceScalar)
        {
            var one = Vector256<float>.One;
            for (; i + 8 <= n; i += 8)
            {
                var g = Vector256.Load(gate + i);
                (g / (one + Vector256.Exp(-g)) * Vector256.Load(up + i)).Store(gate + i);
            }
        }
        for (; i < n; i++) gate[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
    }

    /// <summary>In-place softmax of <paramref name="n"/> scores: the scores become probabilities.</summary>
    public static void Softmax(float* x, int n)
    {
        float max = float.NegativeInfinity;
        int i = 0;
        if (Isa.Avx512)
        {
            var m = Vector512.Create(float.NegativeInfinity);
            for (; i + 16 <= n; i += 16) m = Vector512.Max(m, Vector512.Load(x + i));
            for (int lane = 0; lane < 16; lane++) max = MathF.Max(max, m[lane]);
        }
        for (; i < n; i++) max = MathF.Max(max, x[i]);
        float sum = 0;
        i = 0;
        if (Isa.Avx512)
        {
            var m = Vector512.Create(max);
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var e = Vector512.Exp(Vector512.Load(x + i) - m);
                e.Store(x + i);
                acc += e;
            }
            sum += Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && !Isa.ForceScalar)
        {
            var m = Vector256.Create(max);
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                var e = Vector256.Exp(Vector256.Load(x + i) - m);
                e.Store(x + i);
                acc += e;
            }
            sum += Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }
        float inverse = 1f / sum;
        i = 0;
        if (Vector256.IsHardwareAccelerated && !Isa.ForceScalar)
        {
            var s = Vector256.Create(inverse);
            for (; i + 8 <= n; i += 8) (Vector256.Load(x + i) * s).Store(x + i);
        }
        for (; i < n; i++) x[i] *= inverse;
    }

    /// <summary>y += a · x.</summary>
    public static void Axpy(float a, float* x, float* y, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && !Isa.ForceScalar)
        {
            var va = Vector256.Create(a);
            for (; i + 8 <= n; i += 8) (Vector256.Load(y + i) + va * Vector256.Load(x + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>y += a · x for F16 x.</summary>
    public static void AxpyHalf(float a, ushort* x, float* y, int n)
    {
        int i = 0;
        if (Isa.Avx2)
        {
            var va = Vector256.Create(a);
            for (; i + 8 <= n; i += 8) (Vector256.Load(y + i) + va * FloatKernels.HalfToSingle(Vector128.Load(x + i))).Store(y + i);
        }
        for (; i < n; i++) y[i] += a * (float)BitConverter.UInt16BitsToHalf(x[i]);
    }

    /// <summary>
    /// Rotates one head of width <paramref name="dim"/> by the angles whose cosines and sines are given (dim/2 each).
    /// <paramref name="adjacentPairs"/>: rotate (x₂ᵢ, x₂ᵢ₊₁) as llama.cpp's llama graph does on GGUF weights whose Q/K rows
    /// the converter permuted; otherwise Hugging Face's rotate-half pairs (xᵢ, xᵢ₊dim/2).
    /// </summary>
    public static void Rope(float* x, float* cos, float* sin, int dim, bool adjacentPairs)
    {
        int half = dim / 2;
        if (adjacentPairs)
        {
            for (int i = 0; i < half; i++)
            {
                float a = x[2 * i], b = x[2 * i + 1];
                x[2 * i] = a * cos[i] - b * sin[i];
                x[2 * i + 1] = b * cos[i] + a * sin[i];
            }
            return;
        }
        for (int i = 0; i < half; i++)
        {
            float a = x[i], b = x[i + half];
            x[i] = a * cos[i] - b * sin[i];
            x[i + half] = b * cos[i] + a * sin[i];
        }
    }
}
