using System.Buffers.Binary;

namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q5_0: blocks of 32 weights as {fp16 d; uint8 qh[4]; uint8 qs[16]} (22 bytes), x ≈ d·(q − 16) with
/// d = max/−16. The low four bits are packed as in Q4_0; bit j of the little-endian uint32 qh is the fifth bit of
/// element j. llama.cpp uses it for Q4_K_M tensors whose rows are not a multiple of 256.
/// Bit-identical to <c>quantize_row_q5_0_ref</c> and <c>dequantize_row_q5_0</c>.
/// </summary>
public static class Q5_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 22;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q5_0, x.Length, blocks.Length);
        for (int b = 0; b < count; b++)
        {
            var xb = x.Slice(b * BlockSize, BlockSize);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = Q4_0.SignedMax(xb) / -16;
            float id = d != 0 ? 1f / d : 0f;
            Float16.Write(block, 0, d);
            uint qh = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int low = Math.Min(31, (int)(sbyte)(xb[j] * id + 16.5f));
                int high = Math.Min(31, (int)(sbyte)(xb[j + BlockSize / 2] * id + 16.5f));
                block[6 + j] = (byte)((low & 0x0F) | ((high & 0x0F) << 4));
                qh |= (uint)((low & 0x10) >> 4) << j;
                qh |= (uint)((high & 0x10) >> 4) << (j + BlockSize / 2);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(block[2..], qh);
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 32 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q5_0, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = Float16.Read(block, 0);
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(block[2..]);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int high0 = (int)((qh >> j) << 4) & 0x10;
                int high1 = (int)(qh >> (j + 12)) & 0x10;
                y[b * BlockSize + j] = (((block[6 + j] & 0x0F) | high0) - 16) * d;
                y[b * BlockSize + j + BlockSize / 2] = (((block[6 + j] >> 4) | high1) - 16) * d;
            }
        }
    }
}
