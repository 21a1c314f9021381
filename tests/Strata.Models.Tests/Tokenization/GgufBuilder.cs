using System.Text;

namespace Strata.Models.Tests.Tokenization;

/// <summary>Writes small GGUF files byte by byte from the specification, to test the reader on crafted input.</summary>
public sealed class GgufBuilder(uint version = 3)
{
    private readonly List<byte[]> _entries = [];
    private readonly List<byte[]> _tensors = [];

    public GgufBuilder Raw(string key, uint type, byte[] value)
    {
        _entries.Add([.. Str(key), .. BitConverter.GetBytes(type), .. value]);
        return this;
    }

    public GgufBuilder String(string key, string value) => Raw(key, 8, Str(value));
    public GgufBuilder UInt32(string key, uint value) => Raw(key, 4, BitConverter.GetBytes(value));

    public GgufBuilder Strings(string key, string[] values) =>
        Raw(key, 9, [.. BitConverter.GetBytes(8u), .. BitConverter.GetBytes((ulong)values.Length), .. values.SelectMany(Str)]);

    public GgufBuilder Tensor(string name, ulong[] shape, uint ggmlType, ulong offset)
    {
        _tensors.Add([.. Str(name), .. BitConverter.GetBytes((uint)shape.Length), .. shape.SelectMany(BitConverter.GetBytes),
            .. BitConverter.GetBytes(ggmlType), .. BitConverter.GetBytes(offset)]);
        return this;
    }

    public byte[] Build() =>
    [
        .. "GGUF"u8, .. BitConverter.GetBytes(version),
        .. BitConverter.GetBytes((ulong)_tensors.Count), .. BitConverter.GetBytes((ulong)_entries.Count),
        .. _entries.SelectMany(e => e), .. _tensors.SelectMany(t => t),
    ];

    public static byte[] Str(string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        return [.. BitConverter.GetBytes((ulong)utf8.Length), .. utf8];
    }
}
