using System.Buffers.Binary;

namespace Strata.Training.Tests.Reports;

/// <summary>Reads a PNG's signature and IHDR chunk by hand (no imaging library), for checking written plots.</summary>
internal static class PngHeader
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool HasSignature(ReadOnlySpan<byte> png) => png.Length >= 8 && png[..8].SequenceEqual(Signature);

    /// <summary>Width and height from the IHDR chunk, which the PNG spec requires to come first after the signature.</summary>
    public static (int Width, int Height) ReadSize(ReadOnlySpan<byte> png)
    {
        Assert.True(HasSignature(png), "missing PNG signature");
        Assert.True(png.Length >= 8 + 8 + 13 + 4, "PNG shorter than signature + IHDR");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(png[8..12]);
        Assert.Equal(13u, length);
        Assert.Equal("IHDR"u8.ToArray(), png[12..16].ToArray());
        int width = BinaryPrimitives.ReadInt32BigEndian(png[16..20]);
        int height = BinaryPrimitives.ReadInt32BigEndian(png[20..24]);
        return (width, height);
    }
}
