namespace Strata.Data.IO;

/// <summary>
/// Splits a stream into lines of raw bytes (without the <c>\n</c>), so each line's encoding can be checked on its own:
/// one bad byte then costs one line, not the rest of the file.
/// </summary>
internal sealed class ByteLineReader(Stream stream)
{
    private readonly byte[] buffer = new byte[1 << 16];
    private int start, end;
    private bool finished;

    /// <summary>True once the last line has been returned and it had no terminating newline.</summary>
    public bool EndedWithoutNewline { get; private set; }

    /// <summary>The next line, or null at the end of the stream.</summary>
    public byte[]? Next()
    {
        var pending = new List<byte[]>();
        while (true)
        {
            int newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline >= 0)
            {
                var line = Concat(pending, buffer.AsSpan(start, newline - start));
                start = newline + 1;
                return line;
            }
            if (end > start) pending.Add(buffer.AsSpan(start, end - start).ToArray());
            start = end = 0;
            if (finished || (end = stream.Read(buffer, 0, buffer.Length)) == 0)
            {
                finished = true;
                if (pending.Count == 0) return null;
                EndedWithoutNewline = true;
                return Concat(pending, []);
            }
        }
    }

    private static byte[] Concat(List<byte[]> pending, ReadOnlySpan<byte> tail)
    {
        if (pending.Count == 0) return tail.ToArray();
        var line = new byte[pending.Sum(p => p.Length) + tail.Length];
        int offset = 0;
        foreach (var part in pending)
        {
            part.CopyTo(line, offset);
            offset += part.Length;
        }
        tail.CopyTo(line.AsSpan(offset));
        return line;
    }
}
