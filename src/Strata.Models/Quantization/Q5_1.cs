using System.Buffers.Binary;

namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q5_1: blocks of 32 weights as {fp16 d; fp16 m; uint8 qh[4]; uint8 qs[16]} (24 bytes), x ≈ d·q + m with
/// d = (max − min)/31; fifth bits in qh as in Q5_0.
/// Bit-identical to <c>quantize_row_q5_1_ref</c> and <c>dequantize_row_q5_1</c>.
/// </summary>
public static class Q5_1
{
    public const int BlockSize = 32;
    public const int BlockBytes = 24;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q5_1, x.Length, blocks.Length);
        for (int b = 0; b < count; b++)
        {
            var xb = x.Slice(b * BlockSize, BlockSize);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            var (min, max) = Q4_1.MinMax(xb);
            float d = (max - min) / 31;
            float id = d != 0 ? 1f / d : 0f;
            Float16.Write(block, 0, d);
            Float16.Write(block, 2, min);
            uint qh = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                // No clamp here, unlike Q4_1: ggml's reference converts straight to uint8_t.
                int low = (byte)((xb[j] - min) * id + 0.5f);
                int high = (byte)((xb[j + BlockSize / 2] - min) * id + 0.5f);
                block[8 + j] = (byte)((low & 0x0F) | ((high & 0x0F) << 4));
                qh |= (uint)((low & 0x10) >> 4) << j;
                qh |= (uint)((high & 0x10) >> 4) << (j + BlockSize / 2);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(block[4..], qh);
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 32 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q5_1, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = Float16.Read(block, 0), m = Float16.Read(block, 2);
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(block[4..]);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int high0 = (int)((qh >> j) << 4) & 0x10;
                int high1 = (int)(qh >> (j + 12)) & 0x10;
                y[b * BlockSize + j] = ((block[8 + j] & 0x0F) | high0) * d + m;
                y[b * BlockSize + j + BlockSize / 2] = ((block[8 + j] >> 4) | high1) * d + m;
            }
        }
    }
}
