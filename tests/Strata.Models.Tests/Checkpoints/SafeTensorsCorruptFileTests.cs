using System.Buffers.Binary;
using System.Text;
using Strata.Models.Checkpoints;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Checkpoints;

/// <summary>Malformed files must fail on open with an <see cref="InvalidDataException"/> naming the file and the fault.</summary>
public sealed class SafeTensorsCorruptFileTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Fixture => File.ReadAllBytes(Path.Combine(TestPaths.Golden, "safetensors", "fixture.safetensors"));

    /// <summary>8-byte length + header (space padded) + data, with an optional lie about the header length.</summary>
    private static byte[] Build(string header, int dataBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header.PadRight((header.Length + 7) / 8 * 8));
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private void AssertInvalid(byte[] contents, string expectedFragment)
    {
        string name = $"corrupt-{Guid.NewGuid():N}.safetensors";
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, contents);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(name, e.Message);
        Assert.Contains(expectedFragment, e.Message);
    }

    [Fact]
    public void ValidBuildIsAccepted()
    {
        // Guards the helper: the corrupt cases below differ from this only in the fault under test.
        string path = Path.Combine(_dir, "ok.safetensors");
        File.WriteAllBytes(path, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(8, file.Info("a").Length);
    }

    [Fact]
    public void HeaderLengthBeyondTheFile()
    {
        var bytes = Fixture;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        AssertInvalid(bytes, "header length");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        AssertInvalid(bytes, "header length");
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix() => AssertInvalid([1, 0, 0], "shorter than");

    [Fact]
    public void TruncatedData() => AssertInvalid(Fixture[..^2], "truncated");

    [Fact]
    public void TrailingData() => AssertInvalid([.. Fixture, 0], "trailing");

    [Fact]
    public void InvalidJson() => AssertInvalid(Build("{\"a\":{\"dtype\":\"F32\",", 0), "not valid JSON");

    [Fact]
    public void HeaderThatIsNotAnObject() => AssertInvalid(Build("[1,2]", 0), "not a JSON object");

    [Fact]
    public void UnknownDtype() =>
        AssertInvalid(Build("{\"a\":{\"dtype\":\"F7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype 'F7'");

    [Fact]
    public void OffsetsNotMatchingShapeTimesDtypeSize() =>
        AssertInvalid(Build("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,4]}}", 4), "needs 8");

    [Fact]
    public void OverlappingTensors() =>
        AssertInvalid(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps");

    [Fact]
    public void GapBetweenTensors() =>
        AssertInvalid(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12), "gap");

    [Fact]
    public void OffsetsPastTheData() =>
        AssertInvalid(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "truncated");

    [Fact]
    public void NegativeShape() =>
        AssertInvalid(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "non-negative integer");

    [Fact]
    public void NonStringMetadataValue() =>
        AssertInvalid(Build("{\"__metadata__\":{\"n\":1}}", 0), "__metadata__");

    [Fact]
    public void MissingFileIsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Open(Path.Combine(_dir, "absent.safetensors")));
}
