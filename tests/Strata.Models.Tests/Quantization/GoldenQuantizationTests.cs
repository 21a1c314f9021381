using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Strata.Models.Quantization;

namespace Strata.Models.Tests.Quantization;

/// <summary>
/// Byte-for-byte comparison with Golden/quantization, written by tests/tools/ggml_quants_reference.py: an independent
/// numpy transcription of ggml's reference quantizers and dequantizers (rows: zeros, gaussian, an outlier, negative
/// maxima, tiny values, mixed blocks with rounding ties, fp16/bf16 edge values).
/// </summary>
public class GoldenQuantizationTests
{
    private static string Folder => Path.Combine(TestPaths.Golden, "quantization");

    private static readonly Lazy<Golden> Data = new(Golden.Load);

    public static TheoryData<string> Formats => ["f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_K", "q5_K", "q6_K", "q8_K"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void QuantizingEveryRowGivesTheReferenceBytes(string format)
    {
        var golden = Data.Value;
        var type = golden.Type(format);
        byte[] expected = File.ReadAllBytes(Path.Combine(Folder, $"{format}.bin"));
        long offset = 0;
        foreach (var (name, row) in golden.Rows)
        {
            int bytes = (int)GgmlTypes.RowBytes(type, row.Length);
            var actual = new byte[bytes];
            Quantizer.QuantizeRow(type, row, actual);
            var slice = expected.AsSpan((int)offset, bytes);
            int mismatch = FirstMismatch(slice, actual);
            Assert.True(mismatch < 0,
                $"{format}, row '{name}': byte {mismatch} (block {mismatch / GgmlTypes.BlockBytes(type)}) is {(mismatch < 0 ? 0 : actual[mismatch])}, reference {(mismatch < 0 ? 0 : slice[mismatch])}");
            offset += bytes;
        }
        Assert.Equal(expected.Length, offset);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void DequantizingTheReferenceBytesGivesTheReferenceFloats(string format)
    {
        var golden = Data.Value;
        if (format == "q8_K") return; // quantize-only format: no dequantized reference
        var type = golden.Type(format);
        byte[] blocks = File.ReadAllBytes(Path.Combine(Folder, $"{format}.bin"));
        var hashes = golden.Hashes(format);
        long offset = 0;
        foreach (var (name, row) in golden.Rows)
        {
            int bytes = (int)GgmlTypes.RowBytes(type, row.Length);
            var y = new float[row.Length];
            Quantizer.DequantizeRow(type, blocks.AsSpan((int)offset, bytes), y);
            offset += bytes;
            if (name == "gaussian")
            {
                float[] expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(Folder, $"{format}.gaussian.f32"))).ToArray();
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(y[i]),
                        $"{format}, gaussian[{i}]: {y[i]:R}, reference {expected[i]:R}");
            }
            string hash = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(y.AsSpan())));
            Assert.True(hash == hashes[name], $"{format}, row '{name}': dequantized floats differ from the reference");
        }
    }

    [Fact]
    public void TheGoldenRowsCoverTheEdgeCasesTheyClaim()
    {
        // Guards against a regenerated fixture silently losing its hard cases.
        var rows = Data.Value.Rows.ToDictionary(r => r.Name, r => r.Values);
        Assert.All(rows["zeros"], v => Assert.Equal(0f, v));
        Assert.Equal(4f, rows["outlier"][37]);
        Assert.Contains(65520f, rows["edges"]);
        Assert.Contains(127f, rows["mixed"]);
        Assert.All(rows.Values, r => Assert.Equal(0, r.Length % 256));
    }

    private static int FirstMismatch(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i]) return i;
        return -1;
    }

    private sealed record Golden(List<(string Name, float[] Values)> Rows, JsonElement Formats)
    {
        public static Golden Load()
        {
            using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "manifest.json")));
            float[] inputs = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(Folder, "inputs.f32"))).ToArray();
            var rows = new List<(string, float[])>();
            int offset = 0;
            foreach (var row in manifest.RootElement.GetProperty("rows").EnumerateArray())
            {
                int length = row.GetProperty("length").GetInt32();
                rows.Add((row.GetProperty("name").GetString()!, inputs[offset..(offset + length)]));
                offset += length;
            }
            Assert.Equal(inputs.Length, offset);
            return new Golden(rows, manifest.RootElement.GetProperty("formats").Clone());
        }

        public GgmlType Type(string format) => (GgmlType)Formats.GetProperty(format).GetProperty("type").GetUInt32();

        public Dictionary<string, string> Hashes(string format) =>
            Formats.GetProperty(format).GetProperty("dequantized_sha256").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }
}
