using System.Runtime.InteropServices;
using Strata.Models.Checkpoints;
using Strata.Models.Tests.Support;
using TorchSharp;

namespace Strata.Models.Tests.Checkpoints;

/// <summary>
/// Reads <c>Golden/safetensors/fixture.safetensors</c>, written by tests/tools/make_safetensors_fixture.py (struct +
/// json, no Strata code). The expected values below restate that script's inputs and their IEEE encodings.
/// </summary>
public class SafeTensorsFixtureTests
{
    private static string FixturePath => Path.Combine(TestPaths.Golden, "safetensors", "fixture.safetensors");

    internal static uint[] Bits32(torch.Tensor t) => MemoryMarshal.Cast<byte, uint>(t.contiguous().bytes).ToArray();

    internal static ushort[] Bits16(torch.Tensor t) => MemoryMarshal.Cast<byte, ushort>(t.contiguous().bytes).ToArray();

    [Fact]
    public void HeaderListsEveryTensorWithItsLayoutAndTheMetadata()
    {
        using var file = SafeTensorsFile.Open(FixturePath);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["source"] = "make_safetensors_fixture.py" }, file.Metadata);
        // Reference order: I64, then F32 by name (empty, f32, scalar), then BF16, then F16.
        var expected = new (string Name, SafeTensorDType DType, long[] Shape, long Offset, long Length)[]
        {
            ("i64", SafeTensorDType.I64, [3], 0, 24),
            ("empty", SafeTensorDType.F32, [0, 4], 24, 0),
            ("f32", SafeTensorDType.F32, [2, 3], 24, 24),
            ("scalar", SafeTensorDType.F32, [], 48, 4),
            ("bf16", SafeTensorDType.BF16, [2, 3], 52, 12),
            ("f16", SafeTensorDType.F16, [2, 3], 64, 12),
        };
        Assert.Equal(expected.Length, file.Tensors.Count);
        foreach (var (name, dtype, shape, offset, length) in expected)
        {
            var info = file.Tensors[name];
            Assert.Equal((name, dtype, offset, length), (info.Name, info.DType, info.Offset, info.Length));
            Assert.Equal(shape, info.Shape);
        }
    }

    [Fact]
    public void F32ValuesAreExact()
    {
        using var file = SafeTensorsFile.Open(FixturePath);
        using var t = file.Load("f32");
        Assert.Equal(torch.ScalarType.Float32, t.dtype);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        // 1.5, -2.25, 65504, 1e-3 (rounded to float), 1e-45 (smallest subnormal), -0.0
        Assert.Equal(new uint[] { 0x3FC00000, 0xC0100000, 0x477FE000, 0x3A83126F, 0x00000001, 0x80000000 }, Bits32(t));
    }

    [Fact]
    public void F16ValuesAreExactAndWidenExactly()
    {
        using var file = SafeTensorsFile.Open(FixturePath);
        using var half = file.Load("f16");
        Assert.Equal(torch.ScalarType.Float16, half.dtype);
        Assert.Equal(new ushort[] { 0x3E00, 0xC080, 0x7BFF, 0x1419, 0x0001, 0x8000 }, Bits16(half));

        using var wide = file.Load("f16", torch.ScalarType.Float32);
        Assert.Equal(torch.ScalarType.Float32, wide.dtype);
        Assert.Equal(new long[] { 2, 3 }, wide.shape);
        float[] expected = [1.5f, -2.25f, 65504f, 0.0010004043579101562f, 5.9604644775390625e-8f, -0f];
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), Bits32(wide));
    }

    [Fact]
    public void BF16ValuesAreExactAndWidenExactly()
    {
        using var file = SafeTensorsFile.Open(FixturePath);
        using var bf = file.Load("bf16");
        Assert.Equal(torch.ScalarType.BFloat16, bf.dtype);
        // 65504 rounds to 65536 and 1/3 to 0.333984375 in bfloat16 (half keeps 65504 exactly).
        ushort[] bits = [0x3FC0, 0xC010, 0x4780, 0x3A83, 0x3EAB, 0x0001];
        Assert.Equal(bits, Bits16(bf));

        using var wide = file.Load("bf16", torch.ScalarType.Float32);
        Assert.Equal(bits.Select(b => (uint)b << 16), Bits32(wide));
        Assert.Equal(new[] { 1.5f, -2.25f, 65536f, 0.00099945068359375f, 0.333984375f, MathF.Pow(2, -133) }, wide.data<float>().ToArray());
    }

    [Fact]
    public void ScalarEmptyAndIntegerTensorsKeepTheirShapes()
    {
        using var file = SafeTensorsFile.Open(FixturePath);
        using var scalar = file.Load("scalar");
        Assert.Empty(scalar.shape);
        Assert.Equal(42f, scalar.item<float>());
        using var empty = file.Load("empty");
        Assert.Equal(new long[] { 0, 4 }, empty.shape);
        using var ints = file.Load("i64");
        Assert.Equal(torch.ScalarType.Int64, ints.dtype);
        Assert.Equal(new long[] { -1, 0, 1L << 40 }, ints.data<long>().ToArray());
    }

    [Fact]
    public void UnknownTensorNameNamesTheFileAndTheTensor()
    {
        using var file = SafeTensorsFile.Open(FixturePath);
        var e = Assert.Throws<KeyNotFoundException>(() => file.Load("nope"));
        Assert.Contains("fixture.safetensors", e.Message);
        Assert.Contains("'nope'", e.Message);
    }

    [Fact]
    public void RewritingTheFixtureReproducesThePythonFileByteForByte()
    {
        string dir = TestPaths.NewTemporaryDirectory();
        string path = Path.Combine(dir, "copy.safetensors");
        using (var file = SafeTensorsFile.Open(FixturePath))
        {
            // Shuffled input order: the writer must impose the reference order itself.
            var tensors = file.Tensors.Keys.OrderByDescending(n => n, StringComparer.Ordinal)
                .Select(n => KeyValuePair.Create(n, file.Load(n))).ToList();
            SafeTensorsWriter.Write(path, tensors, file.Metadata);
            foreach (var t in tensors) t.Value.Dispose();
        }
        Assert.Equal(File.ReadAllBytes(FixturePath), File.ReadAllBytes(path));
        Directory.Delete(dir, true);
    }

    /// <summary>Byte vectors from the reference implementation's own tests (safetensors/src/tensor.rs).</summary>
    [Fact]
    public void WriterMatchesTheReferenceImplementationsTestVectors()
    {
        string dir = TestPaths.NewTemporaryDirectory();
        using var values = torch.arange(6, dtype: torch.float32);

        // test_serialization: "attn.0" F32 [1, 2, 3]; the 64-byte header needs no padding.
        using (var t = values.reshape(1, 2, 3)) SafeTensorsWriter.Write(Path.Combine(dir, "a"), [KeyValuePair.Create("attn.0", t)]);
        byte[] attnDot0 =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(attnDot0, File.ReadAllBytes(Path.Combine(dir, "a")));

        // test_serialization_forced_alignement: "attn0" F32 [1, 1, 2, 3]; 7 spaces pad the header to 72 bytes.
        using (var t = values.reshape(1, 1, 2, 3)) SafeTensorsWriter.Write(Path.Combine(dir, "b"), [KeyValuePair.Create("attn0", t)]);
        byte[] attn0 =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        Assert.Equal(attn0, File.ReadAllBytes(Path.Combine(dir, "b")));

        // test_empty: no tensors, with and without metadata.
        SafeTensorsWriter.Write(Path.Combine(dir, "c"), []);
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32 }, File.ReadAllBytes(Path.Combine(dir, "c")));
        SafeTensorsWriter.Write(Path.Combine(dir, "d"), [], new Dictionary<string, string> { ["framework"] = "pt" });
        byte[] emptyWithMetadata =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(emptyWithMetadata, File.ReadAllBytes(Path.Combine(dir, "d")));
        Directory.Delete(dir, true);
    }
}
