using System.Runtime.InteropServices;
using Strata.Models.Adapters;
using Strata.Models.Configuration;
using Strata.Models.Native.Kernels;

namespace Strata.Models.Native;

/// <summary>
/// LoRA adapters served over one copy of the base weights (S-LoRA's and vLLM's multi-LoRA): every token of a step
/// names its sequence's adapter (0 = none), and after each base product the adapted tokens add scale·B(A x) with
/// their own adapter's matrices. A and Bᵀ are float32 in native memory; the rank-r products are small next to the
/// base product, which all tokens share whatever their adapter.
/// </summary>
internal sealed unsafe class NativeAdapters : IDisposable
{
    private readonly ModelConfig config;
    private readonly List<Adapter> adapters = [];

    public NativeAdapters(ModelConfig config) => this.config = config;

    private sealed class Adapter(int rank, float scale, int layers)
    {
        public readonly int Rank = rank;
        public readonly float Scale = scale;

        // [layer, target]: A [r, in] and Bᵀ [r, out] (B transposed so each rank component is one contiguous axpy), or null.
        public readonly nint[,] A = new nint[layers, LoraConfig.KnownTargets.Count];
        public readonly nint[,] BT = new nint[layers, LoraConfig.KnownTargets.Count];
    }

    /// <summary>Adapters loaded; a step's adapter index runs from 1 to this.</summary>
    public int Count => adapters.Count;

    /// <summary>Loads a PEFT adapter folder; returns its index (1-based).</summary>
    /// <exception cref="InvalidDataException">The adapter does not fit this base model (names the tensor).</exception>
    public int Add(string directory)
    {
        var (settings, updates) = PeftAdapterFile.Read(directory, config);
        var adapter = new Adapter(settings.Rank, (float)settings.Scale, config.NumHiddenLayers);
        foreach (var update in updates)
        {
            int target = LoraAdapter.TargetIndex(update.Target);
            var (inFeatures, outFeatures) = PeftAdapterFile.Shape(config, update.Target);
            float* a = Allocate(update.A.Length), bt = Allocate(update.B.Length);
            update.A.CopyTo(new Span<float>(a, update.A.Length));
            for (int o = 0; o < outFeatures; o++)
            {
                for (int j = 0; j < settings.Rank; j++) bt[(long)j * outFeatures + o] = update.B[(long)o * settings.Rank + j];
            }
            adapter.A[update.Layer, target] = (nint)a;
            adapter.BT[update.Layer, target] = (nint)bt;
        }
        adapters.Add(adapter);
        return adapters.Count;
    }

    /// <summary>
    /// y[t] += scale·B(A x[t]) for each token t whose adapter (<paramref name="adapterOfToken"/>[t]) adapts <paramref name="target"/>
    /// of <paramref name="layer"/>; x and y rows are <paramref name="inFeatures"/> / <paramref name="outFeatures"/> wide.
    /// </summary>
    public void Apply(int layer, LoraTarget target, ReadOnlySpan<int> adapterOfToken, float* x, int inFeatures, float* y, int outFeatures)
    {
        for (int t = 0; t < adapterOfToken.Length; t++)
        {
            int index = adapterOfToken[t];
            if (index == 0) continue;
            var adapter = adapters[index - 1];
            float* a = (float*)adapter.A[layer, (int)target];
            if (a == null) continue;
            float* bt = (float*)adapter.BT[layer, (int)target];
            float* xt = x + (long)t * inFeatures, yt = y + (long)t * outFeatures;
            for (int j = 0; j < adapter.Rank; j++)
            {
                float c = adapter.Scale * FloatKernels.DotF32(a + (long)j * inFeatures, xt, inFeatures);
                VectorOps.Axpy(c, bt + (long)j * outFeatures, yt, outFeatures);
            }
        }
    }

    private static float* Allocate(long count) => (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);

    public void Dispose()
    {
        foreach (var adapter in adapters)
        {
            foreach (nint p in adapter.A) NativeMemory.AlignedFree((void*)p);
            foreach (nint p in adapter.BT) NativeMemory.AlignedFree((void*)p);
        }
        adapters.Clear();
    }
}
