using Strata.Models.Configuration;
using Strata.Models.Native.Kernels;

namespace Strata.Models.Native;

/// <summary>Which rows a forward pass returns, and what.</summary>
internal enum ForwardOutput
{
    /// <summary>Logits of the selected tokens (the LM head runs on those rows only).</summary>
    Logits,

    /// <summary>Final normalised hidden states of the selected tokens (embeddings).</summary>
    Hidden,
}

/// <summary>
/// The Llama forward pass on the native kernels, over a ragged batch: N new tokens of several sequences laid end to end,
/// each with its own position and cache. Projections and MLPs run once over all N tokens (each weight row is read once
/// per step, however many sequences decode together); attention runs per token against its own sequence's cache.
/// Buffers are reused across steps; a decode step allocates nothing.
/// </summary>
internal sealed unsafe class NativeTransformer : IDisposable
{
    private readonly ModelConfig config;
    private readonly NativeWeights weights;
    private readonly WorkerPool pool;
    private readonly RopeTable? rope;
    private readonly MatMulJob matmul;
    private readonly AttentionJob attention;
    private readonly ResidualNormJob residualNorm = new();
    private readonly SwiGluJob swiGlu = new();
    private readonly QuantizeJob quantize = new();
    private readonly RopeStoreJob ropeStore;
    private readonly NativeBuffer x = new(), normed = new(), q = new(), k = new(), v = new(), attended = new(),
        delta = new(), gate = new(), up = new(), quantized = new(), selected = new();
    private readonly int hidden, queryWidth, keyWidth, intermediate;
    private readonly float epsilon;

    // The LoRA adapters of this pass's tokens (set per Forward call; empty when no token has one).
    private NativeAdapters? adapters;
    private int[] tokenAdapters = [];
    private int adaptedTokens;

    public NativeTransformer(ModelConfig config, NativeWeights weights, WorkerPool pool, bool adjacentRopePairs)
    {
        this.config = config;
        this.weights = weights;
        this.pool = pool;
        hidden = config.HiddenSize;
        queryWidth = config.NumAttentionHeads * config.HeadDimension;
        keyWidth = config.KeyValueHeads * config.HeadDimension;
        intermediate = config.IntermediateSize;
        epsilon = (float)config.RmsNormEps;
        bool alibi = config.PositionEncoding == PositionEncoding.Alibi;
        rope = alibi ? null : new RopeTable(config);
        matmul = new MatMulJob(pool.Threads);
        attention = new AttentionJob(pool.Threads, config.NumAttentionHeads, config.KeyValueHeads, config.HeadDimension,
            alibi ? Llama.Alibi.Slopes(config.NumAttentionHeads) : null);
        ropeStore = new RopeStoreJob(config.NumAttentionHeads, config.KeyValueHeads, config.HeadDimension, adjacentRopePairs);
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> through the model. Each token's keys and values are written to
    /// <paramref name="caches"/>[n] at <paramref name="positions"/>[n] (the caches must have room), and the rows
    /// listed in <paramref name="outputRows"/> are written to <paramref name="output"/> one after another.
    /// </summary>
    /// <param name="adapterSet">The loaded LoRA adapters, and <paramref name="adapterOfToken"/>[n] each token's (0 = none).</param>
    public void Forward(ReadOnlySpan<int> tokens, int[] positions, NativeSequenceCache[] caches, ReadOnlySpan<int> outputRows,
        ForwardOutput kind, float* output, NativeAdapters? adapterSet = null, int[]? adapterOfToken = null)
    {
        int n = tokens.Length;
        adapters = adapterSet;
        tokenAdapters = adapterOfToken ?? [];
        adaptedTokens = adapterSet is null || adapterOfToken is null ? 0 : n;
        long clock = NativeProfile.Start();
        float* xs = x.Floats((long)n * hidden);
        for (int t = 0; t < n; t++) weights.Embedding.DequantizeRow(tokens[t], xs + (long)t * hidden);
        if (adaptedTokens > 0) adapters!.ApplyEmbedding(tokens, tokenAdapters.AsSpan(0, n), xs, hidden);
        NativeProfile.Stop(NativeProfile.Phase.Embed, clock);
        if (rope is not null)
        {
            int longest = 0;
            for (int t = 0; t < n; t++) longest = Math.Max(longest, positions[t] + 1);
            rope.Ensure(longest);
        }
        quantized.Ensure(QuantizedActivations.BytesFor(n, Math.Max(intermediate, Math.Max(hidden, queryWidth))));
        float* pending = null;   // the last sub-layer's output, added to the residual by the next norm
        for (int layer = 0; layer < weights.Layers.Length; layer++)
        {
            var w = weights.Layers[layer];
            pending = Attention(layer, w, n, xs, pending, positions, caches);
            pending = FeedForward(layer, w, n, xs, pending);
        }

        // The final norm (and the residual still pending) only for the rows asked for: a prefill needs one.
        clock = NativeProfile.Start();
        float* rows = selected.Floats((long)outputRows.Length * hidden);
        for (int i = 0; i < outputRows.Length; i++)
        {
            float* row = xs + (long)outputRows[i] * hidden;
            VectorOps.Add(row, pending + (long)outputRows[i] * hidden, hidden);
            VectorOps.RmsNorm(row, weights.FinalNorm, kind == ForwardOutput.Hidden ? output + (long)i * hidden : rows + (long)i * hidden, hidden, epsilon);
        }
        if (kind == ForwardOutput.Hidden) return;
        var head = weights.LanguageModelHead;
        var headInput = QuantizedActivations.In((byte*)quantized.Ensure(QuantizedActivations.BytesFor(outputRows.Length, hidden)), outputRows.Length, hidden);
        if (head.TakesQuantizedInput) for (int i = 0; i < outputRows.Length; i++) headInput.Quantize(i, rows + (long)i * hidden);
        matmul.Begin(outputRows.Length, rows, headInput);
        matmul.Add(head, output, head.Rows);
        pool.Run(matmul);
        if (adaptedTokens > 0) adapters!.ApplyHead(outputRows, tokenAdapters, rows, hidden, output);
        NativeProfile.Stop(NativeProfile.Phase.Head, clock);
    }

    private float* Attention(int layer, NativeLayer w, int n, float* xs, float* pending, int[] positions, NativeSequenceCache[] caches)
    {
        float* xn = AddAndNorm(n, xs, pending, w.AttentionNorm,
            w.Query.TakesQuantizedInput || w.Key.TakesQuantizedInput || w.Value.TakesQuantizedInput, out var input);

        float* qs = q.Floats((long)n * queryWidth), ks = k.Floats((long)n * keyWidth), vs = v.Floats((long)n * keyWidth);
        matmul.Begin(n, xn, input);
        matmul.Add(w.Query, qs, queryWidth, w.QueryBias);
        matmul.Add(w.Key, ks, keyWidth, w.KeyBias);
        matmul.Add(w.Value, vs, keyWidth, w.ValueBias);
        Run(matmul, NativeProfile.Phase.Qkv);
        Adapt(layer, Adapters.LoraTarget.Query, xn, hidden, qs, queryWidth);
        Adapt(layer, Adapters.LoraTarget.Key, xn, hidden, ks, keyWidth);
        Adapt(layer, Adapters.LoraTarget.Value, xn, hidden, vs, keyWidth);

        ropeStore.Tokens = n;
        ropeStore.Queries = qs;
        ropeStore.Keys = ks;
        ropeStore.Values = vs;
        ropeStore.Layer = layer;
        ropeStore.Caches = caches;
        ropeStore.Positions = positions;
        ropeStore.Rope = rope;
        RunTokens(ropeStore, NativeProfile.Phase.Rope);

        float* att = attended.Floats((long)n * queryWidth);
        attention.Set(layer, n, qs, caches, positions, att);
        Run(attention, NativeProfile.Phase.Attention);

        var attendedInput = QuantizedActivations.In((byte*)quantized.Pointer, n, queryWidth);
        if (w.Output.TakesQuantizedInput)
        {
            quantize.Tokens = n;
            quantize.Source = att;
            quantize.Width = queryWidth;
            quantize.Quantized = attendedInput;
            RunTokens(quantize, NativeProfile.Phase.Output);
        }
        float* output = delta.Floats((long)n * hidden);
        matmul.Begin(n, att, attendedInput);
        matmul.Add(w.Output, output, hidden);
        Run(matmul, NativeProfile.Phase.Output);
        Adapt(layer, Adapters.LoraTarget.Output, att, queryWidth, output, hidden);
        return output;
    }

    /// <summary>Adds the LoRA updates of the adapted tokens to a product's rows (nothing when no token has an adapter).</summary>
    private void Adapt(int layer, Adapters.LoraTarget target, float* x, int inFeatures, float* y, int outFeatures)
    {
        if (adaptedTokens > 0) adapters!.Apply(layer, target, tokenAdapters.AsSpan(0, adaptedTokens), x, inFeatures, y, outFeatures);
    }

    /// <summary>Runs a product or attention job on the pool, its time counted under <paramref name="phase"/> when profiling.</summary>
    private void Run(IParallelJob job, NativeProfile.Phase phase)
    {
        long clock = NativeProfile.Start();
        pool.Run(job);
        NativeProfile.Stop(phase, clock);
    }

    /// <summary>Runs a per-token job (inline for a few tokens), its time counted under <paramref name="phase"/>.</summary>
    private void RunTokens(TokenJob job, NativeProfile.Phase phase)
    {
        long clock = NativeProfile.Start();
        job.RunOn(pool);
        NativeProfile.Stop(phase, clock);
    }

    /// <summary>x += the pending sub-layer output; returns the normalised rows, and their 8-bit form when the next products take it.</summary>
    private float* AddAndNorm(int n, float* xs, float* pending, float* weight, bool quantize, out QuantizedActivations input)
    {
        float* xn = normed.Floats((long)n * hidden);
        input = QuantizedActivations.In((byte*)quantized.Pointer, n, hidden);
        residualNorm.Tokens = n;
        residualNorm.X = xs;
        residualNorm.Delta = pending;
        residualNorm.Weight = weight;
        residualNorm.Normed = xn;
        residualNorm.Width = hidden;
        residualNorm.Epsilon = epsilon;
        residualNorm.Quantize = quantize;
        residualNorm.Quantized = input;
        RunTokens(residualNorm, NativeProfile.Phase.Norm);
        return xn;
    }

    private float* FeedForward(int layer, NativeLayer w, int n, float* xs, float* pending)
    {
        float* xn = AddAndNorm(n, xs, pending, w.FeedForwardNorm, w.Gate.TakesQuantizedInput || w.Up.TakesQuantizedInput, out var input);

        float* gates = gate.Floats((long)n * intermediate), ups = up.Floats((long)n * intermediate);
        matmul.Begin(n, xn, input);
        matmul.Add(w.Gate, gates, intermediate);
        matmul.Add(w.Up, ups, intermediate);
        Run(matmul, NativeProfile.Phase.GateUp);
        Adapt(layer, Adapters.LoraTarget.Gate, xn, hidden, gates, intermediate);
        Adapt(layer, Adapters.LoraTarget.Up, xn, hidden, ups, intermediate);

        var gated = QuantizedActivations.In((byte*)quantized.Pointer, n, intermediate);
        swiGlu.Tokens = n;
        swiGlu.Gate = gates;
        swiGlu.Up = ups;
        swiGlu.Width = intermediate;
        swiGlu.Quantize = w.Down.TakesQuantizedInput;
        swiGlu.Quantized = gated;
        RunTokens(swiGlu, NativeProfile.Phase.SwiGlu);

        // The attention output's buffer is free again: the down projection writes there.
        float* output = attended.Floats((long)n * Math.Max(hidden, queryWidth));
        matmul.Begin(n, gates, gated);
        matmul.Add(w.Down, output, hidden);
        Run(matmul, NativeProfile.Phase.Down);
        Adapt(layer, Adapters.LoraTarget.Down, gates, intermediate, output, hidden);   // gates now hold silu(gate)·up
        return output;
    }

    public void Dispose()
    {
        attention.Dispose();
        matmul.Dispose();
        foreach (var buffer in new[] { x, normed, q, k, v, attended, delta, gate, up, quantized, selected }) buffer.Dispose();
    }
}
