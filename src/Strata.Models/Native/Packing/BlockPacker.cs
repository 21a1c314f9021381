using Strata.Models.Native.Kernels;
using Strata.Models.Quantization;

namespace Strata.Models.Native.Packing;

/// <summary>
/// Decodes ggml blocks into their integer values and scales (as ggml's dequantizers read them) and writes them in the
/// <see cref="PackedMatrix"/> layouts. Value v of a row goes to byte lane 4·r + v % 4 of the 32-byte group that holds
/// values v − v % 4 … of the block's eight rows.
/// </summary>
internal static unsafe class BlockPacker
{
    public static void Pack(WeightMatrix source, PackedMatrix target)
    {
        var values = new byte[target.BlockValues];
        for (int row = 0; row < source.Rows; row++)
        {
            int group = row / PackedMatrix.RowsPerGroup, lane = row % PackedMatrix.RowsPerGroup;
            byte* rowData = source.Row(row);
            for (int b = 0; b < target.Blocks; b++)
            {
                byte* block = target.Group(group) + (long)b * target.BlockBytes;
                switch (target.Format)
                {
                    case PackedFormat.Q8:
                        {
                            byte* src = rowData + b * QuantizedDot.Q8_0Bytes;
                            ((float*)block)[lane] = HalfTable.At(src);
                            for (int v = 0; v < 32; v++) values[v] = (byte)(((sbyte*)(src + 2))[v] + 128);
                            WriteBytes(block + 32, lane, values, 32);
                            break;
                        }
                    case PackedFormat.Q4:
                        {
                            byte* src = rowData + b * QuantizedDot.Q4_0Bytes;
                            ((float*)block)[lane] = HalfTable.At(src);
                            for (int j = 0; j < 16; j++)
                            {
                                values[j] = (byte)(src[2 + j] & 15);
                                values[j + 16] = (byte)(src[2 + j] >> 4);
                            }
                            WriteNibbles(block + 32, lane, values, 32);
                            break;
                        }
                    case PackedFormat.Q5:
                        {
                            byte* src = rowData + b * QuantizedDot.Q5_0Bytes;
                            ((float*)block)[lane] = HalfTable.At(src);
                            uint high = *(uint*)(src + 2);
                            for (int j = 0; j < 16; j++)
                            {
                                values[j] = (byte)((src[6 + j] & 15) | (int)((high >> j) & 1) << 4);
                                values[j + 16] = (byte)((src[6 + j] >> 4) | (int)((high >> (j + 16)) & 1) << 4);
                            }
                            WriteNibbles(block + 32, lane, values, 32);
                            WriteHighBits(block + 32 + 128, lane, values, 32);
                            break;
                        }
                    case PackedFormat.Q4K:
                        {
                            byte* src = rowData + b * QuantizedDot.Q4_KBytes;
                            ((float*)block)[lane] = HalfTable.At(src);
                            ((float*)block)[8 + lane] = HalfTable.At(src + 2);
                            for (int j = 0; j < 8; j++)
                            {
                                var (scale, min) = QuantMath.ScaleMinK4(j, new ReadOnlySpan<byte>(src + 4, 12));
                                block[64 + 8 * j + lane] = (byte)scale;
                                block[128 + 8 * j + lane] = (byte)min;
                                byte* q = src + 16 + 32 * (j / 2);
                                for (int v = 0; v < 32; v++) values[32 * j + v] = (byte)(j % 2 == 0 ? q[v] & 15 : q[v] >> 4);
                            }
                            WriteNibbles(block + 192, lane, values, 256);
                            break;
                        }
                    case PackedFormat.Q6K:
                        {
                            byte* src = rowData + b * QuantizedDot.Q6_KBytes;
                            ((float*)block)[lane] = HalfTable.At(src + 208);
                            for (int k = 0; k < 16; k++) block[32 + 8 * k + lane] = src[192 + k];   // int8 scales, stored as their bytes
                            for (int e = 0; e < 256; e++) values[e] = Q6Value(src, e);
                            WriteBytes(block + 160, lane, values, 256);
                            break;
                        }
                }
            }
        }
    }

    /// <summary>Lane bytes: group j of four values at 32·j + 4·lane.</summary>
    private static void WriteBytes(byte* target, int lane, byte[] values, int count)
    {
        for (int v = 0; v < count; v++) target[32 * (v / 4) + 4 * lane + v % 4] = values[v];
    }

    /// <summary>
    /// Two 4-value groups per 32-byte chunk: chunk c holds groups 2c (low nibbles) and 2c+1 (high nibbles), so one
    /// load, a mask and a shift give both.
    /// </summary>
    private static void WriteNibbles(byte* target, int lane, byte[] values, int count)
    {
        for (int v = 0; v < count; v++)
        {
            int group = v / 4, chunk = group / 2;
            byte* b = target + 32 * chunk + 4 * lane + v % 4;
            *b = group % 2 == 0 ? (byte)((*b & 0xF0) | (values[v] & 15)) : (byte)((*b & 0x0F) | ((values[v] & 15) << 4));
        }
    }

    /// <summary>
    /// Fifth bits of a 32-value block: one 32-byte plane whose byte 4·lane + i holds, in bit g, the fifth bit of value
    /// 4g + i (4-value group g), so a shift and a mask put group g's bits where the nibbles need them.
    /// </summary>
    private static void WriteHighBits(byte* target, int lane, byte[] values, int count)
    {
        for (int v = 0; v < count; v++)
        {
            if ((values[v] & 16) != 0) target[4 * lane + v % 4] |= (byte)(1 << (v / 4));
        }
    }


    /// <summary>Value <paramref name="e"/> (0–255) of a Q6_K super-block as its unsigned six bits (ggml's dequantize_row_q6_K order).</summary>
    private static byte Q6Value(byte* block, int e)
    {
        int half = e / 128, l = e % 128, k = l / 32, i = l % 32;
        byte* ql = block + 64 * half, qh = block + 128 + 32 * half;
        int low = k switch
        {
            0 => ql[i] & 0xF,
            1 => ql[i + 32] & 0xF,
            2 => ql[i] >> 4,
            _ => ql[i + 32] >> 4,
        };
        return (byte)(low | ((qh[i] >> (2 * k)) & 3) << 4);
    }
}
