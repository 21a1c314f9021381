using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Register-blocked products of float weight rows with float activations: four rows against four tokens (prefill and
/// batched decode) or one token (decode), sixteen or four running sums over the shared columns. Each loaded weight vector
/// serves every token of the tile and each activation vector every row, so a prefill reads its weights from L1 and its
/// activations from L2 instead of re-reading a token per row. F16 and BF16 rows are widened once per tile.
/// </summary>
internal static unsafe class FloatTiles
{
    /// <summary>out[t·4 + r] = Σ w_r · x_t for four rows and four tokens (columns a multiple of 16).</summary>
    public static void Tile4x4(byte* w, long rowBytes, int type, float* x, long tokenStride, int columns, float* output)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (int i = 0; i < columns; i += 16)
        {
            var x0 = Vector512.Load(x + i);
            var x1 = Vector512.Load(x + tokenStride + i);
            var x2 = Vector512.Load(x + 2 * tokenStride + i);
            var x3 = Vector512.Load(x + 3 * tokenStride + i);
            var w0 = Row(w, type, i);
            a00 = Avx512F.FusedMultiplyAdd(w0, x0, a00); a01 = Avx512F.FusedMultiplyAdd(w0, x1, a01);
            a02 = Avx512F.FusedMultiplyAdd(w0, x2, a02); a03 = Avx512F.FusedMultiplyAdd(w0, x3, a03);
            var w1 = Row(w + rowBytes, type, i);
            a10 = Avx512F.FusedMultiplyAdd(w1, x0, a10); a11 = Avx512F.FusedMultiplyAdd(w1, x1, a11);
            a12 = Avx512F.FusedMultiplyAdd(w1, x2, a12); a13 = Avx512F.FusedMultiplyAdd(w1, x3, a13);
            var w2 = Row(w + 2 * rowBytes, type, i);
            a20 = Avx512F.FusedMultiplyAdd(w2, x0, a20); a21 = Avx512F.FusedMultiplyAdd(w2, x1, a21);
            a22 = Avx512F.FusedMultiplyAdd(w2, x2, a22); a23 = Avx512F.FusedMultiplyAdd(w2, x3, a23);
            var w3 = Row(w + 3 * rowBytes, type, i);
            a30 = Avx512F.FusedMultiplyAdd(w3, x0, a30); a31 = Avx512F.FusedMultiplyAdd(w3, x1, a31);
            a32 = Avx512F.FusedMultiplyAdd(w3, x2, a32); a33 = Avx512F.FusedMultiplyAdd(w3, x3, a33);
        }
        output[0] = Vector512.Sum(a00); output[1] = Vector512.Sum(a10); output[2] = Vector512.Sum(a20); output[3] = Vector512.Sum(a30);
        output[4] = Vector512.Sum(a01); output[5] = Vector512.Sum(a11); output[6] = Vector512.Sum(a21); output[7] = Vector512.Sum(a31);
        output[8] = Vector512.Sum(a02); output[9] = Vector512.Sum(a12); output[10] = Vector512.Sum(a22); output[11] = Vector512.Sum(a32);
        output[12] = Vector512.Sum(a03); output[13] = Vector512.Sum(a13); output[14] = Vector512.Sum(a23); output[15] = Vector512.Sum(a33);
    }

    /// <summary>out[r] = Σ w_r · x for four rows and one token (columns a multiple of 16).</summary>
    public static void Tile4x1(byte* w, long rowBytes, int type, float* x, int columns, float* output)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < columns; i += 16)
        {
            var x0 = Vector512.Load(x + i);
            a0 = Avx512F.FusedMultiplyAdd(Row(w, type, i), x0, a0);
            a1 = Avx512F.FusedMultiplyAdd(Row(w + rowBytes, type, i), x0, a1);
            a2 = Avx512F.FusedMultiplyAdd(Row(w + 2 * rowBytes, type, i), x0, a2);
            a3 = Avx512F.FusedMultiplyAdd(Row(w + 3 * rowBytes, type, i), x0, a3);
        }
        output[0] = Vector512.Sum(a0);
        output[1] = Vector512.Sum(a1);
        output[2] = Vector512.Sum(a2);
        output[3] = Vector512.Sum(a3);
    }

    /// <summary>Sixteen weights of a row from column <paramref name="i"/>, widened to float32. Type: 0 F32, 1 F16, 2 BF16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(byte* row, int type, int i) => type switch
    {
        0 => Vector512.Load((float*)row + i),
        1 => FloatKernels.HalfToSingle(Vector256.Load((ushort*)row + i)),
        _ => FloatKernels.BFloatToSingle(Vector256.Load((ushort*)row + i)),
    };
}
