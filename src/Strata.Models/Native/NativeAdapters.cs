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

        // The embedding's update, or zero: A [r, vocab] and Bᵀ [r, hidden]; AdaptsOutput when the head is the embedding.
        public nint EmbeddingA, EmbeddingBT;
        public bool AdaptsOutput;
    }

    /// <summary>Adapters loaded; a step's adapter index runs from 1 to this.</summary>
    public int Count => adapters.Count;

    /// <summary>Loads a PEFT adapter folder; returns its index (1-based).</summary>
    /// <exception cref="InvalidDataException">The adapter does not fit this base model (names the tensor).</exception>
    public int Add(string directory)
    {
        var (settings, updates, embedding) = PeftAdapterFile.Read(directory, config);
        var adapter = new Adapter(settings.Rank, (float)settings.Scale, config.NumHiddenLayers);
        if (embedding is not null)
        {
            if (config.TieWordEmbeddings && !settings.EnsureWeightTying)
            {
                throw new InvalidDataException($"{Path.Combine(directory, LoraConfig.FileName)}: target_modules names embed_tokens of a model with a tied LM head, "
                    + "but ensure_weight_tying is not set: Strata serves an adapted embedding tied to the head, as it trains one");
            }
            float* a = Allocate(embedding.A.Length), bt = Allocate(embedding.B.Length);
            embedding.A.CopyTo(new Span<float>(a, embedding.A.Length));
            Transpose(embedding.B, config.HiddenSize, settings.Rank, bt);
            (adapter.EmbeddingA, adapter.EmbeddingBT, adapter.AdaptsOutput) = ((nint)a, (nint)bt, config.TieWordEmbeddings);
        }
        foreach (var update in updates)
        {
            int target = LoraAdapter.TargetIndex(update.Target);
            var (inFeatures, outFeatures) = PeftAdapterFile.Shape(config, update.Target);
            float* a = Allocate(update.A.Length), bt = Allocate(update.B.Length);
            update.A.CopyTo(new Span<float>(a, update.A.Length));
            Transpose(update.B, outFeatures, settings.Rank, bt);
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

    /// <summary>
    /// xs[t] += scale·B·A[:, token] for each token whose adapter adapts the embedding: its row of the adapted embedding.
    /// </summary>
    public void ApplyEmbedding(ReadOnlySpan<int> tokens, ReadOnlySpan<int> adapterOfToken, float* xs, int hidden)
    {
        for (int t = 0; t < adapterOfToken.Length; t++)
        {
            if (adapterOfToken[t] == 0) continue;
            var adapter = adapters[adapterOfToken[t] - 1];
            if (adapter.EmbeddingA == 0) continue;
            float* a = (float*)adapter.EmbeddingA, bt = (float*)adapter.EmbeddingBT;
            for (int j = 0; j < adapter.Rank; j++)
            {
                VectorOps.Axpy(adapter.Scale * a[(long)j * config.VocabSize + tokens[t]], bt + (long)j * hidden, xs + (long)t * hidden, hidden);
            }
        }
    }

    /// <summary>
    /// logits[i] += scale·Aᵀ(Bᵀ h[i]) for each output row whose token's adapter adapts a tied embedding: the head is the
    /// adapted embedding too. <paramref name="rows"/> are the final hidden states of <paramref name="outputRows"/>.
    /// </summary>
    public void ApplyHead(ReadOnlySpan<int> outputRows, ReadOnlySpan<int> adapterOfToken, float* rows, int hidden, float* logits)
    {
        int vocabulary = config.VocabSize;
        for (int i = 0; i < outputRows.Length; i++)
        {
            int index = adapterOfToken[outputRows[i]];
            if (index == 0) continue;
            var adapter = adapters[index - 1];
            if (!adapter.AdaptsOutput) continue;
            float* a = (float*)adapter.EmbeddingA, bt = (float*)adapter.EmbeddingBT;
            for (int j = 0; j < adapter.Rank; j++)
            {
                float c = adapter.Scale * FloatKernels.DotF32(bt + (long)j * hidden, rows + (long)i * hidden, hidden);
                VectorOps.Axpy(c, a + (long)j * vocabulary, logits + (long)i * vocabulary, vocabulary);
            }
        }
    }

    /// <summary>Writes the [rows, columns] matrix <paramref name="source"/> transposed: [columns, rows].</summary>
    private static void Transpose(float[] source, int rows, int columns, float* destination)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) destination[(long)c * rows + r] = source[(long)r * columns + c];
        }
    }

    private static float* Allocate(long count) => (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);

    public void Dispose()
    {
        foreach (var adapter in adapters)
        {
            foreach (nint p in adapter.A) NativeMemory.AlignedFree((void*)p);
            foreach (nint p in adapter.BT) NativeMemory.AlignedFree((void*)p);
            NativeMemory.AlignedFree((void*)adapter.EmbeddingA);
            NativeMemory.AlignedFree((void*)adapter.EmbeddingBT);
        }
        adapters.Clear();
    }
}
