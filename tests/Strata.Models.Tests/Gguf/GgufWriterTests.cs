using System.Buffers.Binary;
using Strata.Models.Gguf;
using Strata.Models.Quantization;

namespace Strata.Models.Tests.Gguf;

/// <summary>GgufWriter → GgufFile.Read round trips, the byte layout the specification fixes, and refusals.</summary>
public sealed class GgufWriterTests : IDisposable
{
    private readonly string _directory = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void EveryMetadataTypeRoundTrips()
    {
        string path = Path.Combine(_directory, "all.gguf");
        using (var writer = new GgufWriter(path))
        {
            writer.AddMetadata("u8", (byte)200);
            writer.AddMetadata("i8", (sbyte)-100);
            writer.AddMetadata("u16", (ushort)60000);
            writer.AddMetadata("i16", (short)-30000);
            writer.AddMetadata("u32", 4_000_000_000u);
            writer.AddMetadata("i32", -2_000_000_000);
            writer.AddMetadata("f32", 1.5f);
            writer.AddMetadata("bool", true);
            writer.AddMetadata("string", "héllo ✓");
            writer.AddMetadata("u64", ulong.MaxValue);
            writer.AddMetadata("i64", long.MinValue);
            writer.AddMetadata("f64", Math.PI);
            writer.AddMetadata("strings", new[] { "a", "", "ü b" });
            writer.AddMetadata("ints", new[] { 1, -2, 3 });
            writer.AddMetadata("uints", new[] { 7u, 8u });
            writer.AddMetadata("floats", new[] { 0.25f, -1f });
            writer.AddMetadata("bytes", new byte[] { 1, 2, 255 });
            writer.AddMetadata("bools", new[] { true, false });
            writer.AddMetadata("longs", new[] { -1L, long.MaxValue });
            writer.AddMetadata("nested", new object[] { new[] { 1, 2 }, new[] { 3 } });
            writer.AddMetadata("empty_strings", Array.Empty<string>());
            writer.AddMetadata("empty_boxed", Array.Empty<object>(), GgufValueType.Int16);
            writer.Complete();
        }
        var file = GgufFile.Read(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal((byte)200, file.Metadata["u8"]);
        Assert.Equal((sbyte)-100, file.Metadata["i8"]);
        Assert.Equal((ushort)60000, file.Metadata["u16"]);
        Assert.Equal((short)-30000, file.Metadata["i16"]);
        Assert.Equal(4_000_000_000u, file.Metadata["u32"]);
        Assert.Equal(-2_000_000_000, file.Metadata["i32"]);
        Assert.Equal(1.5f, file.Metadata["f32"]);
        Assert.Equal(true, file.Metadata["bool"]);
        Assert.Equal("héllo ✓", file.Metadata["string"]);
        Assert.Equal(ulong.MaxValue, file.Metadata["u64"]);
        Assert.Equal(long.MinValue, file.Metadata["i64"]);
        Assert.Equal(Math.PI, file.Metadata["f64"]);
        Assert.Equal(new[] { "a", "", "ü b" }, Assert.IsType<string[]>(file.Metadata["strings"]));
        Assert.Equal(new[] { 1, -2, 3 }, Assert.IsType<int[]>(file.Metadata["ints"]));
        Assert.Equal(new[] { 7u, 8u }, Assert.IsType<uint[]>(file.Metadata["uints"]));
        Assert.Equal(new[] { 0.25f, -1f }, Assert.IsType<float[]>(file.Metadata["floats"]));
        Assert.Equal(new object[] { (byte)1, (byte)2, (byte)255 }, Assert.IsType<object[]>(file.Metadata["bytes"]));
        Assert.Equal(new object[] { true, false }, Assert.IsType<object[]>(file.Metadata["bools"]));
        Assert.Equal(new object[] { -1L, long.MaxValue }, Assert.IsType<object[]>(file.Metadata["longs"]));
        var nested = Assert.IsType<object[]>(file.Metadata["nested"]);
        Assert.Equal(new[] { 1, 2 }, Assert.IsType<int[]>(nested[0]));
        Assert.Equal(new[] { 3 }, Assert.IsType<int[]>(nested[1]));
        Assert.Empty(Assert.IsType<string[]>(file.Metadata["empty_strings"]));
        Assert.Empty(Assert.IsType<object[]>(file.Metadata["empty_boxed"]));
        Assert.Equal(GgufValueType.Array, file.MetadataTypes["nested"]);
        Assert.Equal(GgufValueType.Int16, file.MetadataTypes["i16"]);
        Assert.Empty(file.Tensors);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void TensorsAreAlignedPaddedAndReadBack(int alignment)
    {
        string path = Path.Combine(_directory, $"tensors{alignment}.gguf");
        var q8 = new float[2 * 64];
        for (int i = 0; i < q8.Length; i++) q8[i] = MathF.Sin(i);
        byte[] q8Bytes = new byte[GgmlTypes.RowBytes(GgmlType.Q8_0, 64) * 2];
        Quantizer.QuantizeRow(GgmlType.Q8_0, q8, q8Bytes);
        byte[] norm = new byte[4 * 5];
        for (int i = 0; i < 5; i++) BinaryPrimitives.WriteSingleLittleEndian(norm.AsSpan(4 * i), i + 0.5f);
        using (var writer = new GgufWriter(path, alignment))
        {
            writer.AddMetadata("general.architecture", "llama");
            writer.AddTensor("norm", GgmlType.F32, [5]);
            writer.AddTensor("weight", GgmlType.Q8_0, [64, 2]);
            writer.WriteTensorData(norm.AsSpan(0, 8));
            writer.WriteTensorData(norm.AsSpan(8));
            Assert.Equal("weight", writer.CurrentTensor);
            writer.WriteTensorData(q8Bytes.AsSpan(0, 68));   // one row at a time
            writer.WriteTensorData(q8Bytes.AsSpan(68));
            Assert.Null(writer.CurrentTensor);
            writer.Complete();
        }
        var file = GgufFile.Read(path);
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal(0, file.DataOffset % alignment);
        Assert.Equal(["norm", "weight"], file.Tensors.Select(t => t.Name));
        Assert.Equal([5ul], file.Tensors[0].Shape);
        Assert.Equal([64ul, 2ul], file.Tensors[1].Shape);
        Assert.Equal((uint)GgmlType.Q8_0, file.Tensors[1].GgmlType);
        Assert.Equal(0ul, file.Tensors[0].Offset);
        Assert.Equal((ulong)alignment, file.Tensors[1].Offset); // 20 bytes of norm padded to the alignment
        byte[] all = File.ReadAllBytes(path);
        Assert.Equal(norm, all.AsSpan((int)file.DataOffset, 20).ToArray());
        Assert.All(all.AsSpan((int)file.DataOffset + 20, alignment - 20).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(q8Bytes, all.AsSpan((int)(file.DataOffset + alignment), q8Bytes.Length).ToArray());
        Assert.Equal(0, all.Length % alignment); // the last tensor is padded too
        if (alignment != 32) Assert.Equal((uint)alignment, file.Metadata["general.alignment"]);
        else Assert.False(file.Metadata.ContainsKey("general.alignment"));
    }

    [Fact]
    public void HeaderBytesFollowTheSpecification()
    {
        string path = Path.Combine(_directory, "header.gguf");
        using (var writer = new GgufWriter(path))
        {
            writer.AddMetadata("k", 7u);
            writer.Complete();
        }
        byte[] bytes = File.ReadAllBytes(path);
        // "GGUF", version 3, 0 tensors, 1 entry, key "k" (u64 length 1), type 4 (uint32), value 7, then padding to 32.
        byte[] expected = [(byte)'G', (byte)'G', (byte)'U', (byte)'F', 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 0, (byte)'k', 4, 0, 0, 0, 7, 0, 0, 0];
        Assert.Equal(expected, bytes[..expected.Length]);
        Assert.Equal(64, bytes.Length);
    }

    [Fact]
    public void AnIncompleteFileLeavesNoTraceAndNamesTheMissingTensor()
    {
        string path = Path.Combine(_directory, "incomplete.gguf");
        File.WriteAllText(path, "previous contents");
        using (var writer = new GgufWriter(path))
        {
            writer.AddTensor("blk.0.attn_q.weight", GgmlType.F32, [4, 2]);
            writer.WriteTensorData(new byte[16]);
            var e = Assert.Throws<InvalidOperationException>(writer.Complete);
            Assert.Contains("blk.0.attn_q.weight", e.Message);
            Assert.Contains("16 of its 32 bytes", e.Message);
        }
        Assert.Equal("previous contents", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void BadDeclarationsAreRefused()
    {
        using var writer = new GgufWriter(Path.Combine(_directory, "bad.gguf"));
        writer.AddMetadata("a", 1);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => writer.AddMetadata("a", 2)).Message);
        Assert.Contains("Decimal", Assert.Throws<ArgumentException>(() => writer.AddMetadata("d", 1.5m)).Message);
        Assert.Contains("mixes", Assert.Throws<ArgumentException>(() => writer.AddMetadata("m", new object[] { 1, "x" })).Message);
        Assert.Contains("element type", Assert.Throws<ArgumentException>(() => writer.AddMetadata("e", Array.Empty<object>())).Message);
        var shape = Assert.Throws<ArgumentException>(() => writer.AddTensor("blk.0.ffn_down.weight", GgmlType.Q4_K, [576, 3]));
        Assert.Contains("blk.0.ffn_down.weight", shape.Message);
        Assert.Contains("q4_K", shape.Message);
        writer.AddTensor("t", GgmlType.F16, [2]);
        Assert.Contains("'t' declared twice", Assert.Throws<ArgumentException>(() => writer.AddTensor("t", GgmlType.F16, [2])).Message);
        var tooMuch = Assert.Throws<InvalidOperationException>(() => writer.WriteTensorData(new byte[5]));
        Assert.Contains("'t'", tooMuch.Message);
        Assert.Throws<InvalidOperationException>(() => writer.AddMetadata("late", 1));
    }
}
