using Strata.Models.Configuration;
using Strata.Models.Inference;
using Strata.Models.Native.Kernels;

namespace Strata.Models.Native;

/// <summary>
/// Strata's own CPU runtime behind the inference seam: weights read in place from the memory-mapped file (F32, F16,
/// BF16 safetensors; GGUF with ggml's quantized blocks), SIMD kernels, a persistent worker pool, and K/V caches in
/// native memory. Not thread-safe: one caller at a time (the server's engine thread).
/// </summary>
public sealed unsafe class NativeBackend : IInferenceBackend
{
    private readonly NativeWeights weights;
    private readonly WorkerPool pool;
    private readonly NativeTransformer transformer;
    private readonly KvCacheType cacheType;
    private int[] tokens = [], positions = [], outputRows = [];
    private NativeSequenceCache[] tokenCaches = [];
    private long stamp;

    // LoRA adapters over these weights, and the adapter of each token of the current step (any non-zero: adapted).
    private readonly NativeAdapters adapters;
    private int[] tokenAdapters = [];
    private bool adapted;

    private NativeBackend(ModelConfig config, ITensorSource source, bool adjacentRopePairs, InferenceOptions options)
    {
        Config = config;
        weights = new NativeWeights(config, source);
        pool = new WorkerPool(options.Threads ?? Environment.ProcessorCount);
        transformer = new NativeTransformer(config, weights, pool, adjacentRopePairs);
        adapters = new NativeAdapters(config);
        cacheType = options.KvCache;
    }

    /// <summary>A Hugging Face checkpoint folder (F32/F16/BF16 safetensors), read through its memory mapping.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, mis-shaped or of an unreadable type; the message names it.</exception>
    public static NativeBackend FromCheckpoint(ModelConfig config, string directory, InferenceOptions? options = null)
    {
        var source = new SafeTensorsSource(directory);
        try
        {
            return new NativeBackend(config, source, adjacentRopePairs: false, options ?? new InferenceOptions());
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A GGUF file (llama or qwen2 architecture), its tensors read in place from the mapping, quantized blocks included.
    /// llama files had their Q/K rows permuted by llama.cpp's converter, so they rotate adjacent pairs, as llama.cpp does.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, mis-shaped, past the end of the file or of an unreadable
    /// type; the message names the file and the tensor.</exception>
    public static NativeBackend FromGguf(ModelConfig config, Gguf.GgufFile file, InferenceOptions? options = null)
    {
        var source = new GgufSource(file);
        try
        {
            bool permuted = Gguf.GgufArchitecture.PermutesQueryKey(file.GetString("general.architecture"));
            return new NativeBackend(config, source, adjacentRopePairs: permuted, options ?? new InferenceOptions());
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    public string Name => "native";

    public ModelConfig Config { get; }

    public int VocabularySize => Config.VocabSize;

    public int HiddenSize => Config.HiddenSize;

    /// <summary>Threads running each kernel, the caller's included.</summary>
    public int Threads => pool.Threads;

    /// <summary>Instruction-set paths the kernels take on this machine.</summary>
    public static string InstructionSets => Isa.Describe();

    /// <summary>Bytes of weight matrices, all read once per decode step.</summary>
    public long WeightBytes => weights.MatrixBytes;

    /// <summary>The storage types of the weight matrices, e.g. "q4_K, q6_K".</summary>
    public string WeightTypes => string.Join(", ", weights.MatrixTypes);

    public ISequenceCachePool NewCachePool(int slots) => new NativeCachePool(this, Config, cacheType, slots);

    public void Step(IReadOnlyList<SequenceStep> steps, Span<float> logits)
    {
        if (steps.Count == 0) throw new ArgumentException("no sequences to step", nameof(steps));
        int needed = steps.Count * VocabularySize;
        if (logits.Length < needed) throw new ArgumentException($"logits holds {logits.Length} floats; {needed} are needed", nameof(logits));
        int total = Plan(steps);
        fixed (float* output = logits)
        {
            transformer.Forward(tokens.AsSpan(0, total), positions, tokenCaches, outputRows.AsSpan(0, steps.Count), ForwardOutput.Logits, output,
                adapters, adapted ? tokenAdapters : null);
        }
        foreach (var step in steps) ((NativeSequenceCache)step.Cache).Advance(step.Tokens.Count);
        // Sampling, streaming and the server's own threads run next, on the same cores: let the workers sleep meanwhile.
        pool.Rest();
    }

    public int LoadAdapter(string directory) => adapters.Add(directory);

    public float[] HiddenStates(IReadOnlyList<int> ids)
    {
        if (ids.Count == 0) throw new ArgumentException("no tokens", nameof(ids));
        using var cachePool = NewCachePool(1);
        using var cache = cachePool.Rent();
        int total = Plan([new SequenceStep(ids, cache)]);
        var rows = Enumerable.Range(0, total).ToArray();
        var hidden = new float[(long)total * HiddenSize];
        fixed (float* output = hidden)
        {
            transformer.Forward(tokens.AsSpan(0, total), positions, tokenCaches, rows, ForwardOutput.Hidden, output);
        }
        return hidden;
    }

    public double[] TokenLogProbs(IReadOnlyList<int> ids)
    {
        if (ids.Count < 2) return [];
        const int Chunk = 64;   // logits of 64 tokens at a time bound the memory of long texts
        var result = new double[ids.Count - 1];
        using var cachePool = NewCachePool(1);
        using var cache = cachePool.Rent();
        var logits = new float[(long)Chunk * VocabularySize];
        for (int start = 0; start < ids.Count - 1; start += Chunk)
        {
            int count = Math.Min(Chunk, ids.Count - 1 - start);
            var chunk = new int[count];
            for (int i = 0; i < count; i++) chunk[i] = ids[start + i];
            int total = Plan([new SequenceStep(chunk, cache)]);
            fixed (float* output = logits)
            {
                transformer.Forward(tokens.AsSpan(0, total), positions, tokenCaches, Enumerable.Range(0, total).ToArray(), ForwardOutput.Logits, output);
            }
            ((NativeSequenceCache)cache).Advance(count);
            for (int i = 0; i < count; i++)
            {
                var row = logits.AsSpan(i * VocabularySize, VocabularySize);
                result[start + i] = LogitMath.LogProbability(row, ids[start + i + 1]);
            }
        }
        return result;
    }

    /// <summary>Lays the steps' tokens end to end with their positions and caches; reserves cache room.</summary>
    private int Plan(IReadOnlyList<SequenceStep> steps)
    {
        int total = 0;
        stamp++;
        foreach (var step in steps)
        {
            if (step.Tokens.Count == 0) throw new ArgumentException("every sequence needs at least one token");
            if (step.Cache is not NativeSequenceCache cache || !ReferenceEquals(cache.Pool.Owner, this))
            {
                throw new ArgumentException("the cache was not made by this backend (NewCachePool)");
            }
            // A per-step stamp instead of a set: the decode path allocates nothing.
            if (cache.Stamp == stamp) throw new ArgumentException("two steps share one cache; a sequence may appear once per step");
            cache.Stamp = stamp;
            if ((uint)step.Adapter > (uint)adapters.Count)
            {
                throw new ArgumentException($"adapter {step.Adapter} is not loaded ({adapters.Count} are)");
            }
            if (cache.Length + step.Tokens.Count > Config.ContextLength)
            {
                throw new ArgumentException($"sequence of {cache.Length + step.Tokens.Count} tokens exceeds the model's {Config.ContextLength}-token context");
            }
            total += step.Tokens.Count;
        }
        if (tokens.Length < total)
        {
            int size = Math.Max(total, tokens.Length * 2);
            Array.Resize(ref tokens, size);
            Array.Resize(ref positions, size);
            Array.Resize(ref tokenCaches, size);
            Array.Resize(ref tokenAdapters, size);
        }
        if (outputRows.Length < steps.Count) Array.Resize(ref outputRows, Math.Max(steps.Count, outputRows.Length * 2));
        int offset = 0;
        adapted = false;
        for (int s = 0; s < steps.Count; s++)
        {
            var cache = (NativeSequenceCache)steps[s].Cache;
            cache.Reserve(steps[s].Tokens.Count);
            var ids = steps[s].Tokens;
            for (int i = 0; i < ids.Count; i++)
            {
                if ((uint)ids[i] >= (uint)VocabularySize) throw new ArgumentException($"token {ids[i]} is outside the vocabulary (size {VocabularySize})");
                tokens[offset + i] = ids[i];
                positions[offset + i] = cache.Length + i;
                tokenCaches[offset + i] = cache;
                tokenAdapters[offset + i] = steps[s].Adapter;
            }
            offset += ids.Count;
            outputRows[s] = offset - 1;
            adapted |= steps[s].Adapter != 0;
        }
        return total;
    }

    public void Dispose()
    {
        transformer.Dispose();
        adapters.Dispose();
        pool.Dispose();
        weights.Dispose();
    }
}
