using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Strata.Models.Checkpoints;
using Strata.Models.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using static Strata.Models.Tests.Checkpoints.SafeTensorsFixtureTests;

namespace Strata.Models.Tests.Checkpoints;

public sealed class SafeTensorsRoundTripTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Random values plus the awkward ones (signed zero, infinities, NaN, extremes), in <paramref name="type"/>.</summary>
    private static torch.Tensor Sample(torch.ScalarType type, params long[] shape)
    {
        using var scope = torch.NewDisposeScope();
        var t = (torch.randn(shape, generator: new torch.Generator(1234)) * 100).to(type).flatten();
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-7f, -65504f];
        int n = (int)Math.Min(specials.Length, t.NumberOfElements);
        t.narrow(0, 0, n).copy_(torch.tensor(specials[..n]).to(type));
        return t.reshape(shape).MoveToOuterDisposeScope();
    }

    [Theory]
    [InlineData(torch.ScalarType.Float32)]
    [InlineData(torch.ScalarType.Float16)]
    [InlineData(torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float64)]
    public void WriteThenReadIsBitIdentical(torch.ScalarType type)
    {
        using var a = Sample(type, 3, 5, 7);
        using var b = Sample(type, 11);
        string path = Path.Combine(_dir, "t.safetensors");
        SafeTensorsWriter.Write(path, [KeyValuePair.Create("layer.a", a), KeyValuePair.Create("b", b)]);

        using var file = SafeTensorsFile.Open(path);
        using var a2 = file.Load("layer.a");
        using var b2 = file.Load("b");
        Assert.Equal(type, a2.dtype);
        Assert.Equal(a.shape, a2.shape);
        Assert.Equal(a.bytes.ToArray(), a2.bytes.ToArray());
        Assert.Equal(b.bytes.ToArray(), b2.bytes.ToArray());
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void HeaderIsPaddedJsonWithTheRightDataOffsets()
    {
        using var f32 = Sample(torch.ScalarType.Float32, 2, 3);
        using var bf16 = Sample(torch.ScalarType.BFloat16, 5);
        using var f16 = Sample(torch.ScalarType.Float16, 3);
        string path = Path.Combine(_dir, "h.safetensors");
        SafeTensorsWriter.Write(path, [KeyValuePair.Create("z.f16", f16), KeyValuePair.Create("y.bf16", bf16), KeyValuePair.Create("x.f32", f32)],
            new Dictionary<string, string> { ["format"] = "pt" });

        byte[] bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        string text = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"},\"x.f32\":", text);
        using var header = JsonDocument.Parse(text);
        // F32 first, then BF16, then F16: the reference's descending-alignment order.
        Assert.Equal("[0,24]", header.RootElement.GetProperty("x.f32").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[24,34]", header.RootElement.GetProperty("y.bf16").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[34,40]", header.RootElement.GetProperty("z.f16").GetProperty("data_offsets").GetRawText());
        Assert.Equal("\"BF16\"", header.RootElement.GetProperty("y.bf16").GetProperty("dtype").GetRawText());
        Assert.Equal("[2,3]", header.RootElement.GetProperty("x.f32").GetProperty("shape").GetRawText());
        Assert.Equal(8 + n + 40, bytes.Length);
        Assert.Equal(f32.bytes.ToArray(), bytes.AsSpan((int)(8 + n), 24).ToArray());
    }

    [Fact]
    public void NonContiguousTensorsAreWrittenInLogicalOrder()
    {
        using var t = torch.arange(12, dtype: torch.float32).reshape(3, 4);
        using var transposed = t.t();
        string path = Path.Combine(_dir, "nc.safetensors");
        SafeTensorsWriter.Write(path, [KeyValuePair.Create("t", transposed)]);
        using var file = SafeTensorsFile.Open(path);
        using var back = file.Load("t");
        Assert.Equal(new long[] { 4, 3 }, back.shape);
        Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, back.data<float>().ToArray());
    }

    [Fact]
    public void ExistingFileIsReplacedAndNoTemporaryIsLeft()
    {
        string path = Path.Combine(_dir, "r.safetensors");
        File.WriteAllText(path, "old");
        using var t = torch.ones(2);
        SafeTensorsWriter.Write(path, [KeyValuePair.Create("t", t)]);
        Assert.Equal(["r.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName));
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(["t"], file.Tensors.Keys);
    }

    [Fact]
    public void DuplicateAndReservedNamesAreRefused()
    {
        using var t = torch.ones(2);
        string path = Path.Combine(_dir, "x.safetensors");
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [KeyValuePair.Create("a", t), KeyValuePair.Create("a", t)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [KeyValuePair.Create("__metadata__", t)]));
        Assert.False(File.Exists(path));
    }

    /// <summary>Large tensors are copied in slices; force tiny slices to check the slicing arithmetic.</summary>
    [Fact]
    public unsafe void ChunkedCopiesMatchWholeCopies()
    {
        using var source = torch.arange(10, dtype: torch.float32);
        byte[] raw = source.bytes.ToArray();
        using var target = torch.empty(10, torch.ScalarType.Float32);
        fixed (byte* p = raw) TensorBytes.CopyInto(target, p, raw.Length, chunkBytes: 12);
        Assert.Equal(raw, target.bytes.ToArray());

        using var stream = new MemoryStream();
        TensorBytes.WriteTo(source, stream, chunkBytes: 8);
        Assert.Equal(raw, stream.ToArray());
    }

    /// <summary>
    /// The independent Python reader validates a Strata-written file and decodes its bits. Needs python3; without
    /// it the test returns early (xunit 2 has no runtime skip) and says so in its output.
    /// </summary>
    [Fact]
    public void PythonReferenceReaderAcceptsStrataFiles()
    {
        float[] values = [1.5f, -2.25f, 65536f, 0.333984375f]; // exact in f32, f16 and bf16
        using var f32 = torch.tensor(values);
        using var f16 = f32.to(torch.ScalarType.Float16);
        using var bf16 = f32.to(torch.ScalarType.BFloat16).reshape(2, 2);
        using var i64 = torch.tensor(new long[] { -1, 1L << 40 });
        string path = Path.Combine(_dir, "py.safetensors");
        SafeTensorsWriter.Write(path, [KeyValuePair.Create("f32", f32), KeyValuePair.Create("f16", f16),
            KeyValuePair.Create("bf16", bf16), KeyValuePair.Create("i64", i64)], new Dictionary<string, string> { ["k"] = "v" });

        string script = Path.Combine(TestPaths.ToolsDirectory, "make_safetensors_fixture.py");
        string? json = RunPython(script, "--dump", path);
        if (json is null)
        {
            output.WriteLine("python3 not found: the Python cross-check did not run");
            return;
        }
        using var dump = JsonDocument.Parse(json);
        var tensors = dump.RootElement.GetProperty("tensors");
        ulong[] Bits(string name) => tensors.GetProperty(name).GetProperty("bits").EnumerateArray().Select(e => e.GetUInt64()).ToArray();
        Assert.Equal("v", dump.RootElement.GetProperty("metadata").GetProperty("k").GetString());
        Assert.Equal(values.Select(v => (ulong)BitConverter.SingleToUInt32Bits(v)), Bits("f32"));
        Assert.Equal(values.Select(v => (ulong)BitConverter.HalfToUInt16Bits((Half)v)), Bits("f16"));
        Assert.Equal(values.Select(v => (ulong)(BitConverter.SingleToUInt32Bits(v) >> 16)), Bits("bf16"));
        Assert.Equal("[2,2]", tensors.GetProperty("bf16").GetProperty("shape").GetRawText().Replace(" ", ""));
        Assert.Equal(new[] { ulong.MaxValue, 1UL << 40 }, Bits("i64"));
    }

    private static string? RunPython(params string[] arguments)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        using (process)
        {
            if (process is null) return null;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "python3 reader rejected the file:\n" + stderr.Result);
            return stdout;
        }
    }
}
