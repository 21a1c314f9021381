using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Dot products of float32 activations with F32, F16 and BF16 weight rows, and the half-precision conversions they need:
/// AVX-512 where present, AVX2 + FMA otherwise, and a scalar path that <see cref="Isa.ForceScalar"/> selects for tests.
/// </summary>
internal static unsafe class FloatKernels
{
    private const float TwoPowMinus14 = 6.103515625E-05f;     // the smallest normal half

    public static float DotF32(float* w, float* x, int n)
    {
        int i = 0;
        float sum = 0;
        if (Isa.Avx512 && n >= 64)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 64 <= n; i += 64)
            {
                a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i), Vector512.Load(x + i), a0);
                a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i + 16), Vector512.Load(x + i + 16), a1);
                a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i + 32), Vector512.Load(x + i + 32), a2);
                a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i + 48), Vector512.Load(x + i + 48), a3);
            }
            for (; i + 16 <= n; i += 16) a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + i), Vector512.Load(x + i), a0);
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Isa.Avx2 && n >= 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Fma.MultiplyAdd(Vector256.Load(w + i), Vector256.Load(x + i), a0);
                a1 = Fma.MultiplyAdd(Vector256.Load(w + i + 8), Vector256.Load(x + i + 8), a1);
                a2 = Fma.MultiplyAdd(Vector256.Load(w + i + 16), Vector256.Load(x + i + 16), a2);
                a3 = Fma.MultiplyAdd(Vector256.Load(w + i + 24), Vector256.Load(x + i + 24), a3);
            }
            for (; i + 8 <= n; i += 8) a0 = Fma.MultiplyAdd(Vector256.Load(w + i), Vector256.Load(x + i), a0);
            sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < n; i++) sum += w[i] * x[i];
        return sum;
    }

    public static float DotF16(ushort* w, float* x, int n)
    {
        int i = 0;
        float sum = 0;
        if (Isa.Avx512 && n >= 32)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Avx512F.FusedMultiplyAdd(HalfToSingle(Vector256.Load(w + i)), Vector512.Load(x + i), a0);
                a1 = Avx512F.FusedMultiplyAdd(HalfToSingle(Vector256.Load(w + i + 16)), Vector512.Load(x + i + 16), a1);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (Isa.Avx2 && n >= 16)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i + 16 <= n; i += 16)
            {
                a0 = Fma.MultiplyAdd(HalfToSingle(Vector128.Load(w + i)), Vector256.Load(x + i), a0);
                a1 = Fma.MultiplyAdd(HalfToSingle(Vector128.Load(w + i + 8)), Vector256.Load(x + i + 8), a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) sum += (float)BitConverter.UInt16BitsToHalf(w[i]) * x[i];
        return sum;
    }

    public static float DotBF16(ushort* w, float* x, int n)
    {
        int i = 0;
        float sum = 0;
        if (Isa.Avx512 && n >= 32)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Avx512F.FusedMultiplyAdd(BFloatToSingle(Vector256.Load(w + i)), Vector512.Load(x + i), a0);
                a1 = Avx512F.FusedMultiplyAdd(BFloatToSingle(Vector256.Load(w + i + 16)), Vector512.Load(x + i + 16), a1);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (Isa.Avx2 && n >= 16)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i + 16 <= n; i += 16)
            {
                a0 = Fma.MultiplyAdd(BFloatToSingle(Vector128.Load(w + i)), Vector256.Load(x + i), a0);
                a1 = Fma.MultiplyAdd(BFloatToSingle(Vector128.Load(w + i + 8)), Vector256.Load(x + i + 8), a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) sum += BitConverter.Int32BitsToSingle(w[i] << 16) * x[i];
        return sum;
    }

    /// <summary>
    /// Finite IEEE half → single, exactly and without denormal arithmetic (which costs a microcode assist per
    /// instruction on Intel cores: a multiply-by-2¹¹² conversion ran at half speed on real weights). Normal halves take
    /// four integer operations: sign-extend (the sign lands in bit 31), move exponent and mantissa into place, mask, add
    /// the exponent bias difference. A vector holding a zero or subnormal half (a few percent of vectors) takes
    /// <see cref="HalfToSingleSlow(Vector512{int})"/>. Weights and caches hold no inf/NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> HalfToSingle(Vector256<ushort> h)
    {
        var wide = Avx512F.ConvertToVector512Int32(h.AsInt16());
        if (Vector512.EqualsAny(wide & Vector512.Create(0x7C00), Vector512<int>.Zero)) return HalfToSingleSlow(wide);
        return Widen(wide);
    }

    /// <summary>
    /// Normal halves → single in the four operations of <see cref="HalfToSingle(Vector256{ushort})"/>'s fast path, with no
    /// check: a zero-exponent half h (zero or subnormal) comes out as ±2⁻¹⁵·(1 + m/1024), an error the caller removes
    /// (<see cref="Packing.HalfCorrections"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> HalfToSingleNormal(Vector256<ushort> h) => Widen(Avx512F.ConvertToVector512Int32(h.AsInt16()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(Vector512<int> wide) =>
        ((Vector512.ShiftLeft(wide, 13) & Vector512.Create(unchecked((int)0x8FFFE000))) + Vector512.Create(0x38000000)).AsSingle();

    /// <summary>Zero and subnormal halves too: m·2⁻²⁴ computed as (2⁻¹⁴ + m·2⁻²⁴) − 2⁻¹⁴, both terms normal floats.</summary>
    // Inlined like the fast path: a call inside a kernel's loop would make the JIT keep its accumulators in memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> HalfToSingleSlow(Vector512<int> wide)
    {
        var magnitude = Vector512.ShiftLeft(wide, 13) & Vector512.Create(0x0FFFE000);
        var sign = wide & Vector512.Create(int.MinValue);
        var zeroExponent = Vector512.Equals(wide & Vector512.Create(0x7C00), Vector512<int>.Zero);
        var normal = (magnitude + Vector512.Create(0x38000000)).AsSingle();
        var small = (magnitude + Vector512.Create(0x38800000)).AsSingle() - Vector512.Create(TwoPowMinus14);
        return (Vector512.ConditionalSelect(zeroExponent.AsSingle(), small, normal).AsInt32() | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector128<ushort> h)
    {
        var wide = Avx2.ConvertToVector256Int32(h.AsInt16());
        if (Vector256.EqualsAny(wide & Vector256.Create(0x7C00), Vector256<int>.Zero)) return HalfToSingleSlow(wide);
        return ((Vector256.ShiftLeft(wide, 13) & Vector256.Create(unchecked((int)0x8FFFE000))) + Vector256.Create(0x38000000)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HalfToSingleSlow(Vector256<int> wide)
    {
        var magnitude = Vector256.ShiftLeft(wide, 13) & Vector256.Create(0x0FFFE000);
        var sign = wide & Vector256.Create(int.MinValue);
        var zeroExponent = Vector256.Equals(wide & Vector256.Create(0x7C00), Vector256<int>.Zero);
        var normal = (magnitude + Vector256.Create(0x38000000)).AsSingle();
        var small = (magnitude + Vector256.Create(0x38800000)).AsSingle() - Vector256.Create(TwoPowMinus14);
        return (Vector256.ConditionalSelect(zeroExponent.AsSingle(), small, normal).AsInt32() | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> BFloatToSingle(Vector256<ushort> h) =>
        Vector512.ShiftLeft(Avx512F.ConvertToVector512UInt32(h), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> BFloatToSingle(Vector128<ushort> h) =>
        Vector256.ShiftLeft(Avx2.ConvertToVector256Int32(h).AsUInt32(), 16).AsSingle();

    /// <summary>F16 → F32 for a row (embedding lookups, dequantisation).</summary>
    public static void HalfToSingle(ushort* source, float* destination, int n)
    {
        int i = 0;
        if (Isa.Avx512) for (; i + 16 <= n; i += 16) HalfToSingle(Vector256.Load(source + i)).Store(destination + i);
        else if (Isa.Avx2) for (; i + 8 <= n; i += 8) HalfToSingle(Vector128.Load(source + i)).Store(destination + i);
        for (; i < n; i++) destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
    }

    public static void BFloatToSingle(ushort* source, float* destination, int n)
    {
        for (int i = 0; i < n; i++) destination[i] = BitConverter.Int32BitsToSingle(source[i] << 16);
    }

    /// <summary>F32 → F16, round to nearest even (the K/V cache's storage format).</summary>
    public static void SingleToHalf(float* source, ushort* destination, int n)
    {
        for (int i = 0; i < n; i++) destination[i] = BitConverter.HalfToUInt16Bits((Half)source[i]);
    }
}
