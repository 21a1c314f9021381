using System.Buffers.Binary;

namespace Strata.Training.Datasets;

/// <summary>Appends token ids to a raw little-endian uint16/uint32 file (nanoGPT's train.bin layout).</summary>
internal sealed class TokenBinWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly TokenDType _dtype;
    private readonly int _vocabularySize;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _used;

    public TokenBinWriter(string path, TokenDType dtype, int vocabularySize)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        _dtype = dtype;
        _vocabularySize = vocabularySize;
    }

    public long Count { get; private set; }

    /// <exception cref="InvalidOperationException">An id is outside [0, vocabulary size).</exception>
    public void Write(int id)
    {
        // A tokenizer bug writing an out-of-range id would otherwise surface much later as an embedding index error.
        if ((uint)id >= (uint)_vocabularySize)
            throw new InvalidOperationException($"token id {id} is outside the vocabulary (size {_vocabularySize})");
        if (_used + 4 > _buffer.Length) FlushBuffer();
        if (_dtype == TokenDType.UInt16)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_used), (ushort)id);
            _used += 2;
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_used), (uint)id);
            _used += 4;
        }
        Count++;
    }

    public void Write(IReadOnlyList<int> ids)
    {
        for (int i = 0; i < ids.Count; i++) Write(ids[i]);
    }

    /// <summary>Writes everything to disk (fsync included, since the file is renamed into place afterwards).</summary>
    public void Complete()
    {
        FlushBuffer();
        _file.Flush(flushToDisk: true);
    }

    private void FlushBuffer()
    {
        _file.Write(_buffer, 0, _used);
        _used = 0;
    }

    public void Dispose() => _file.Dispose();
}
