using System.Runtime.InteropServices;

namespace Strata.Models.Native;

/// <summary>A 64-byte aligned native scratch buffer that grows on demand; contents are not kept across growth.</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private void* data;

    public long Bytes { get; private set; }

    public void* Pointer => data;

    /// <summary>At least <paramref name="bytes"/> bytes (contents undefined after growth).</summary>
    public void* Ensure(long bytes)
    {
        if (bytes <= Bytes) return data;
        if (data != null) NativeMemory.AlignedFree(data);
        long size = Math.Max(bytes, Bytes * 2);
        data = NativeMemory.AlignedAlloc((nuint)size, 64);
        Bytes = size;
        return data;
    }

    public float* Floats(long count) => (float*)Ensure(count * sizeof(float));

    public void Dispose()
    {
        if (data == null) return;
        NativeMemory.AlignedFree(data);
        data = null;
        Bytes = 0;
    }
}
