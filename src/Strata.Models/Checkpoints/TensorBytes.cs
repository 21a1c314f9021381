using TorchSharp;

namespace Strata.Models.Checkpoints;

/// <summary>
/// Moves raw bytes between native memory or streams and CPU tensors. TorchSharp's <c>Tensor.bytes</c> is a
/// <see cref="Span{T}"/> (at most 2 GiB), so large tensors are copied through 1-D slices of bounded size.
/// </summary>
internal static class TensorBytes
{
    /// <summary>Largest slice copied at once (bytes); well under the 2 GiB a span can address.</summary>
    internal const long DefaultChunkBytes = 1L << 30;

    /// <summary>
    /// Copies <paramref name="byteCount"/> bytes from <paramref name="source"/> into <paramref name="flat"/>,
    /// a contiguous 1-D CPU tensor holding exactly that many bytes.
    /// </summary>
    internal static unsafe void CopyInto(torch.Tensor flat, byte* source, long byteCount, long chunkBytes = DefaultChunkBytes)
    {
        long elementSize = flat.ElementSize;
        long total = flat.NumberOfElements;
        if (flat.dim() != 1 || total * elementSize != byteCount)
        {
            throw new ArgumentException($"target holds {total * elementSize} bytes in {flat.dim()} dims, expected 1-D {byteCount}", nameof(flat));
        }
        long perChunk = Math.Max(1, chunkBytes / elementSize);
        for (long start = 0; start < total; start += perChunk)
        {
            long count = Math.Min(perChunk, total - start);
            using var slice = flat.narrow(0, start, count);
            new ReadOnlySpan<byte>(source + start * elementSize, checked((int)(count * elementSize))).CopyTo(slice.bytes);
        }
    }

    /// <summary>Writes the bytes of <paramref name="flat"/> (contiguous, 1-D, CPU) to <paramref name="destination"/>.</summary>
    internal static void WriteTo(torch.Tensor flat, Stream destination, long chunkBytes = DefaultChunkBytes)
    {
        long elementSize = flat.ElementSize;
        long total = flat.NumberOfElements;
        long perChunk = Math.Max(1, chunkBytes / elementSize);
        for (long start = 0; start < total; start += perChunk)
        {
            long count = Math.Min(perChunk, total - start);
            using var slice = flat.narrow(0, start, count);
            destination.Write(slice.bytes);
        }
    }
}
