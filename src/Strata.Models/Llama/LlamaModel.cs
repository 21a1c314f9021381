using Strata.Models;
using Strata.Models.Adapters;
using Strata.Models.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Models.Llama;

// The Llama architecture, top to bottom: norm → attention → MLP → block → backbone → causal LM.
// Field names are the Hugging Face checkpoint keys (q_proj, gate_proj, input_layernorm, …), so the
// module's state dict *is* the checkpoint layout and loading needs no renaming table.
// Shapes: B batch, T new tokens, S tokens attended (cache + new), C hidden, nh heads, nkv K/V heads, hd head width.

/// <summary>Root-mean-square layer norm, computed in float32 as HF does, then cast back.</summary>
public sealed class LlamaRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    // Held in a field: a temporary TorchSharp Scalar can be finalized while native code still reads it (see HeldScalars).
    private readonly Scalar eps;

    public LlamaRmsNorm(int size, double eps, Device? device) : base(nameof(LlamaRmsNorm))
    {
        weight = nn.Parameter(torch.ones(size, device: device));
        this.eps = eps.ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);
        var variance = x32.mul(x32).mean([-1], keepdim: true);   // (B, T, 1); square() would be pow with a temporary Scalar 2
        var normed = x32 * torch.rsqrt(variance.Plus(eps));
        if (x.dtype != ScalarType.Float32) normed = normed.to_type(x.dtype);
        return (weight * normed).MoveToOuterDisposeScope();
    }
}

/// <summary>Causal self-attention with grouped-query heads, RoPE or ALiBi, optional Q/K/V biases.</summary>
public sealed class LlamaAttention : nn.Module
{
    private readonly Linear q_proj, k_proj, v_proj, o_proj;
    private readonly int heads, kvHeads, headDim;

    // A LoRA adapter's updates for this layer, indexed as LoraConfig.KnownTargets; not registered, so the base
    // checkpoint's tensors stay the model's only parameters.
    private LoraLayer?[]? lora;

    internal void Attach(LoraLayer?[]? updates) => lora = updates;

    private Tensor Project(Linear projection, LoraTarget target, Tensor x) =>
        lora?[(int)target] is { } update ? projection.forward(x).PlusInPlace(update.forward(x)) : projection.forward(x);

    public LlamaAttention(ModelConfig config, Device? device) : base(nameof(LlamaAttention))
    {
        heads = config.NumAttentionHeads;
        kvHeads = config.KeyValueHeads;
        headDim = config.HeadDimension;
        bool bias = config.HasAttentionBias;
        q_proj = nn.Linear(config.HiddenSize, heads * headDim, hasBias: bias, device: device);
        k_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, hasBias: bias, device: device);
        v_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, hasBias: bias, device: device);
        o_proj = nn.Linear(heads * headDim, config.HiddenSize, hasBias: false, device: device);
        RegisterComponents();
    }

    /// <param name="x">(B, T, C) hidden states of the new tokens.</param>
    /// <param name="positions">Position encoding of the new tokens.</param>
    /// <param name="cache">The sequence's K/V cache, or null for a stateless (training) pass.</param>
    /// <param name="layer">This layer's index in the cache.</param>
    public Tensor forward(Tensor x, PositionContext positions, KvCache? cache, int layer)
    {
        long batch = x.shape[0], time = x.shape[1];
        var q = Project(q_proj, LoraTarget.Query, x).view(batch, time, heads, headDim).transpose(1, 2);     // (B, nh, T, hd)
        var k = Project(k_proj, LoraTarget.Key, x).view(batch, time, kvHeads, headDim).transpose(1, 2);   // (B, nkv, T, hd)
        var v = Project(v_proj, LoraTarget.Value, x).view(batch, time, kvHeads, headDim).transpose(1, 2);   // (B, nkv, T, hd)
        if (positions.Cos is not null && positions.Sin is not null)
        {
            q = Rotary.Apply(q, positions.Cos, positions.Sin);
            k = Rotary.Apply(k, positions.Cos, positions.Sin);
        }
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                               // (B, nkv, S, hd)
        var y = Attend(q, k, v, positions);                                                 // (B, nh, T, hd)
        y = y.transpose(1, 2).reshape(batch, time, heads * headDim);                     // (B, T, nh*hd)
        return Project(o_proj, LoraTarget.Output, y);
    }

    /// <summary>
    /// Several sequences in one pass: <paramref name="x"/> is (1, N, C), the new tokens of every sequence laid
    /// end to end. The projections run once over all N tokens (where batching pays: the weights are read once).
    /// Decode tokens sharing a cache pool attend together; every other sequence attends against its own cache slot.
    /// </summary>
    public Tensor forward(Tensor x, RaggedBatch batch, int layer)
    {
        long time = x.shape[1];
        var q = Project(q_proj, LoraTarget.Query, x).view(1, time, heads, headDim).transpose(1, 2);           // (1, nh, N, hd)
        var k = Project(k_proj, LoraTarget.Key, x).view(1, time, kvHeads, headDim).transpose(1, 2);         // (1, nkv, N, hd)
        var v = Project(v_proj, LoraTarget.Value, x).view(1, time, kvHeads, headDim).transpose(1, 2);         // (1, nkv, N, hd)
        if (batch.Shared.Cos is not null && batch.Shared.Sin is not null)
        {
            // Every token's own position, in one pass over the whole batch.
            q = Rotary.Apply(q, batch.Shared.Cos, batch.Shared.Sin);
            k = Rotary.Apply(k, batch.Shared.Cos, batch.Shared.Sin);
        }
        // One split per tensor instead of a narrow per sequence: each TorchSharp call costs microseconds, and with
        // sixteen sequences × thirty layers those calls add up to a sizeable share of a decode step.
        var splits = batch.AttentionSplits;
        var qs = splits.Length == 1 ? [q] : q.split(splits, dim: 2);
        var ks = splits.Length == 1 ? [k] : k.split(splits, dim: 2);
        var vs = splits.Length == 1 ? [v] : v.split(splits, dim: 2);
        var outputs = new Tensor[splits.Length];
        int piece = 0, segment = 0;
        if (batch.Decode is { } decode)
        {
            outputs[piece++] = AttendDecode(qs[0], ks[0], vs[0], decode, decode.Pool.Layers[layer]);  // (1, nh, D, hd)
            segment = decode.Count;
        }
        for (; piece < splits.Length; piece++, segment++)
        {
            var (cachedKeys, cachedValues) = batch[segment].Cache.Append(layer, ks[piece], vs[piece]);   // (1, nkv, S_i, hd)
            outputs[piece] = Attend(qs[piece], cachedKeys, cachedValues, batch[segment].Positions);      // (1, nh, T_i, hd)
        }
        var y = outputs.Length == 1 ? outputs[0] : cat(outputs, dim: 2);                    // (1, nh, N, hd)
        y = y.transpose(1, 2).reshape(1, time, heads * headDim);                           // (1, N, nh*hd)
        return Project(o_proj, LoraTarget.Output, y);
    }

    /// <summary>
    /// One decode token for each of D sequences in one cache pool: write all their keys and values with one call,
    /// gather their slots, and attend once, each query masked to its own sequence's length.
    /// </summary>
    /// <param name="q">(1, nh, D, hd) rotated queries.</param>
    /// <param name="k">(1, nkv, D, hd) rotated keys.</param>
    private Tensor AttendDecode(Tensor q, Tensor k, Tensor v, DecodeGroup decode, LayerKvCache cache)
    {
        long count = decode.Count;
        var newKeys = k.squeeze(0).transpose(0, 1).reshape(count * kvHeads, headDim);     // (D·nkv, hd)
        var newValues = v.squeeze(0).transpose(0, 1).reshape(count * kvHeads, headDim);
        var (keys, values) = cache.AppendOneEach(decode.Rows, newKeys, newValues, decode.Slots, decode.Longest); // (D, nkv, S, hd)
        // With one query per sequence, the query heads sharing a K/V head can ride along the time axis: attention
        // then reads each cached key once instead of expanding K/V to every query head (HF's repeat_kv).
        var queries = q.squeeze(0).transpose(0, 1).reshape(count, kvHeads, heads / kvHeads, headDim); // (D, nkv, nh/nkv, hd)
        var y = F.scaled_dot_product_attention(queries, keys, values, attn_mask: decode.Mask);   // (D, nkv, nh/nkv, hd)
        return y.reshape(count, heads, headDim).transpose(0, 1).unsqueeze(0);             // (1, nh, D, hd)
    }

    /// <summary>Grouped-query expansion and scaled dot-product attention of T queries over S cached keys.</summary>
    private Tensor Attend(Tensor q, Tensor k, Tensor v, PositionContext positions)
    {
        long time = q.shape[2];
        if (kvHeads != heads)
        {
            // Each K/V head serves heads/kvHeads consecutive query heads (HF's repeat_kv).
            k = k.repeat_interleave(heads / kvHeads, dim: 1);                              // (B, nh, S, hd)
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }
        return positions.AttentionMask is null
            ? F.scaled_dot_product_attention(q, k, v, is_casual: time > 1)
            : F.scaled_dot_product_attention(q, k, v, attn_mask: positions.AttentionMask); // (B, nh, T, hd)
    }
}

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj, up_proj, down_proj;

    public LlamaMlp(ModelConfig config, Device? device) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false, device: device);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false, device: device);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false, device: device);
        RegisterComponents();
    }

    private LoraLayer?[]? lora;   // as in LlamaAttention

    internal void Attach(LoraLayer?[]? updates) => lora = updates;

    public override Tensor forward(Tensor x) =>
        Project(down_proj, LoraTarget.Down, F.silu(Project(gate_proj, LoraTarget.Gate, x)) * Project(up_proj, LoraTarget.Up, x));   // (B, T, C)

    private Tensor Project(Linear projection, LoraTarget target, Tensor x) =>
        lora?[(int)target] is { } update ? projection.forward(x).PlusInPlace(update.forward(x)) : projection.forward(x);
}

/// <summary>Pre-norm block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly LlamaRmsNorm input_layernorm, post_attention_layernorm;
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;

    public LlamaDecoderLayer(ModelConfig config, Device? device) : base(nameof(LlamaDecoderLayer))
    {
        input_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device);
        self_attn = new LlamaAttention(config, device);
        post_attention_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device);
        mlp = new LlamaMlp(config, device);
        RegisterComponents();
    }

    internal void Attach(LoraLayer?[]? updates)
    {
        self_attn.Attach(updates);
        mlp.Attach(updates);
    }

    public Tensor forward(Tensor x, PositionContext positions, KvCache? cache, int layer)
    {
        var h = x.Plus(self_attn.forward(input_layernorm.forward(x), positions, cache, layer));
        return h.Plus(mlp.forward(post_attention_layernorm.forward(h)));
    }

    public Tensor forward(Tensor x, RaggedBatch batch, int layer)
    {
        var h = x.Plus(self_attn.forward(input_layernorm.forward(x), batch, layer));
        return h.Plus(mlp.forward(post_attention_layernorm.forward(h)));
    }
}

/// <summary>The backbone (HF's <c>model.</c> prefix): embedding, decoder layers, final norm.</summary>
public sealed class LlamaBackbone : nn.Module
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly LlamaRmsNorm norm;

    public LlamaBackbone(ModelConfig config, Device? device) : base("model")
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device);
        layers = new ModuleList<LlamaDecoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new LlamaDecoderLayer(config, device)).ToArray());
        norm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device);
        RegisterComponents();
    }

    public Parameter EmbeddingWeight => embed_tokens.weight!;

    // An attached adapter's embedding update; not registered (see LlamaAttention's lora).
    private EmbeddingLora? embeddingUpdate;

    internal void Attach(LoraAdapter? adapter)
    {
        for (int i = 0; i < layers.Count; i++) layers[i].Attach(adapter?.Slots(i));
        embeddingUpdate = adapter?.Embedding;
    }

    private Tensor Embed(Tensor inputIds)
    {
        var x = embed_tokens.forward(inputIds);
        return embeddingUpdate is { } update ? x.PlusInPlace(update.Input(inputIds, x.dtype)) : x;
    }

    /// <param name="inputIds">(B, T) token ids.</param>
    /// <param name="positions">Position encoding of the new tokens.</param>
    /// <param name="cache">Per-layer K/V caches, or null.</param>
    /// <returns>(B, T, C) final normalised hidden states.</returns>
    public Tensor forward(Tensor inputIds, PositionContext positions, KvCache? cache)
    {
        var x = Embed(inputIds);                                                           // (B, T, C)
        for (int i = 0; i < layers.Count; i++) x = layers[i].forward(x, positions, cache, i);
        return norm.forward(x);
    }

    /// <param name="inputIds">(1, N) the new tokens of every sequence in <paramref name="batch"/>, end to end.</param>
    /// <returns>(1, N, C) final normalised hidden states.</returns>
    public Tensor forward(Tensor inputIds, RaggedBatch batch)
    {
        var x = Embed(inputIds);                                                           // (1, N, C)
        for (int i = 0; i < layers.Count; i++) x = layers[i].forward(x, batch, i);
        return norm.forward(x);
    }
}

/// <summary>
/// A Llama-layout causal language model (also Mistral, Qwen2, SmolLM): backbone + LM head, tied or
/// untied to the embedding. Use <see cref="LlamaCheckpoint"/> to create, load and save one.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module
{
    private readonly LlamaBackbone model;
    private readonly Linear? lm_head;
    private readonly PositionEncoder positionEncoder;

    public LlamaForCausalLM(ModelConfig config, Device? device = null) : base(nameof(LlamaForCausalLM))
    {
        config.Validate();
        Config = config;
        model = new LlamaBackbone(config, device);
        if (!config.TieWordEmbeddings) lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device: device);
        positionEncoder = new PositionEncoder(config);
        RegisterComponents();
    }

    public ModelConfig Config { get; }

    /// <summary>The LoRA adapter every forward pass applies, or null.</summary>
    public LoraAdapter? Adapter { get; private set; }

    /// <summary>
    /// Applies <paramref name="adapter"/>'s updates in every forward pass from now on (null detaches). The adapter stays
    /// a separate module: the model's own parameters, checkpoint and state dict are unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">The adapter was built for a model with another number of layers.</exception>
    public void Attach(LoraAdapter? adapter)
    {
        if (adapter is not null && adapter.Layers != Config.NumHiddenLayers)
        {
            throw new ArgumentException($"the adapter has {adapter.Layers} layers, the model {Config.NumHiddenLayers}", nameof(adapter));
        }
        model.Attach(adapter);
        Adapter = adapter;
    }

    /// <summary>Where the weights live.</summary>
    public Device Device => model.EmbeddingWeight.device;

    /// <summary>(B, T, C) final hidden states; <paramref name="cache"/> is extended with the new tokens when given.</summary>
    /// <param name="attentionMask">Optional additive (B, 1, T, S) mask on top of causal attention (packed training examples).</param>
    public Tensor HiddenStates(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null)
    {
        long start = cache?.Length ?? 0;
        cache?.Reserve(inputIds.shape[1]);
        using var positions = positionEncoder.For(start, inputIds.shape[1], inputIds.device, attentionMask);
        var hidden = model.forward(inputIds, positions, cache);
        cache?.Advance(inputIds.shape[1]);
        return hidden;
    }

    /// <param name="inputIds">(B, T) token ids (int64).</param>
    /// <param name="cache">Optional K/V cache holding earlier tokens; extended in place.</param>
    /// <param name="attentionMask">Optional additive (B, 1, T, S) mask on top of causal attention.</param>
    /// <returns>(B, T, vocab) logits.</returns>
    public Tensor forward(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null) =>
        Logits(HiddenStates(inputIds, cache, attentionMask));

    /// <summary>Applies the LM head (or the tied embedding) to hidden states: (…, C) → (…, vocab).</summary>
    public Tensor Logits(Tensor hidden)
    {
        if (lm_head is not null) return lm_head.forward(hidden);
        var logits = F.linear(hidden, model.EmbeddingWeight);
        // A tied head is the adapted embedding too when the adapter keeps them tied.
        return Adapter is { AdaptsOutput: true, Embedding: { } update } ? logits.PlusInPlace(update.Output(hidden)) : logits;
    }

    /// <summary>
    /// Extends several sequences in one forward pass (continuous batching): each chunk's tokens are appended to
    /// its own cache, which may hold any number of earlier tokens. Chunks may be whole prompts, parts of prompts
    /// or single decode tokens, mixed freely.
    /// </summary>
    /// <returns>(chunks, vocab) logits after the last token of each chunk.</returns>
    public Tensor StepLogits(IReadOnlyList<SequenceChunk> chunks)
    {
        if (chunks.Count == 0) throw new ArgumentException("no sequences to step", nameof(chunks));
        var device = model.EmbeddingWeight.device;
        using var batch = RaggedBatch.Build(chunks, positionEncoder, device);
        var ids = tensor(batch.Segments.SelectMany(s => s.Chunk.Tokens).Select(t => (long)t).ToArray(), device: device).unsqueeze(0); // (1, N)
        var hidden = model.forward(ids, batch);                                                    // (1, N, C)
        foreach (var chunk in chunks) chunk.Cache.Advance(chunk.Tokens.Count);
        var lastTokens = tensor(batch.SegmentOfChunk.Select(i => batch[i].Offset + batch[i].Length - 1).ToArray(), device: device);
        return Logits(hidden[0].index_select(0, lastTokens));                                      // (chunks, vocab)
    }

    /// <summary>
    /// Cache slots for up to <paramref name="slots"/> sequences stepped together; their decode tokens then attend in
    /// one call per layer (see <see cref="KvCachePool"/>).
    /// </summary>
    public KvCachePool NewCachePool(int slots, int initialCapacity = 128) =>
        new(Config, slots, initialCapacity, model.EmbeddingWeight.device, model.EmbeddingWeight.dtype);

    /// <summary>A fresh cache for one sequence of this model, with a pool of its own.</summary>
    public KvCache NewCache(int initialCapacity = 256) =>
        new(Config, initialCapacity, model.EmbeddingWeight.device, model.EmbeddingWeight.dtype);
}
