using System.Buffers.Binary;
using Strata.Models.Tokenization;
using Strata.Training.Datasets;

namespace Strata.Training.Tests.Datasets;

/// <summary>Test helpers that read and write token files by hand, independently of the code under test.</summary>
internal static class DataTestSupport
{
    private static readonly Lazy<StrataTokenizer> LazyTokenizer = new(BundledTokenizer.Load);

    public static StrataTokenizer Tokenizer => LazyTokenizer.Value;

    public static int EndOfText => Tokenizer.TokenToId(BundledTokenizer.EndOfText)
        ?? throw new InvalidOperationException("bundled tokenizer has no <|endoftext|>");

    public static List<int> Encode(string text) => [.. Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false)];

    /// <summary>Reads a raw little-endian token file without going through TokenShard.</summary>
    public static List<int> ReadRaw(string path, int bytesPerToken)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(0, bytes.Length % bytesPerToken);
        var ids = new List<int>(bytes.Length / bytesPerToken);
        for (int i = 0; i < bytes.Length; i += bytesPerToken)
        {
            ids.Add(bytesPerToken == 2
                ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i))
                : checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i))));
        }
        return ids;
    }

    /// <summary>Writes a raw little-endian uint16 token file by hand.</summary>
    public static string WriteUInt16(string directory, string name, IEnumerable<int> ids)
    {
        string path = Path.Combine(directory, name);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            bytes.Add((byte)(id & 0xFF));
            bytes.Add((byte)(id >> 8));
        }
        File.WriteAllBytes(path, [.. bytes]);
        return path;
    }

    /// <summary>Writes a raw little-endian uint32 token file by hand.</summary>
    public static string WriteUInt32(string directory, string name, IEnumerable<int> ids)
    {
        string path = Path.Combine(directory, name);
        var bytes = new List<byte>();
        foreach (int id in ids) bytes.AddRange([(byte)id, (byte)(id >> 8), (byte)(id >> 16), (byte)(id >> 24)]);
        File.WriteAllBytes(path, [.. bytes]);
        return path;
    }

    /// <summary>Python-style string slicing by code points: text[start:end].</summary>
    public static string SliceCodePoints(string text, long start, long end)
    {
        var runes = text.EnumerateRunes().ToArray();
        return string.Concat(runes[(int)start..(int)end].Select(r => r.ToString()));
    }

    public static long CodePoints(string text) => text.EnumerateRunes().LongCount();

    public static TokenDatasetInfo Build(IReadOnlyList<string> inputs, string output, double validationFraction = 0.1,
        IProgress<double>? progress = null, CancellationToken ct = default) =>
        TokenDatasetBuilder.Build(inputs, Tokenizer, EndOfText, output,
            new PretrainDataOptions { ValidationFraction = validationFraction }, progress, ct);

    public static string NewDirectory() => TestPaths.NewTemporaryDirectory();
}

/// <summary>Records progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class RecordingProgress : IProgress<double>
{
    public List<double> Values { get; } = [];

    public void Report(double value)
    {
        lock (Values) Values.Add(value);
    }
}
