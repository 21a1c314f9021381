using Strata.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Models.Encoders;

// The BERT encoder, top to bottom: embeddings → self-attention → feed-forward → layer → encoder → model → classifier.
// Field names are the Hugging Face checkpoint keys (word_embeddings, attention.self.query, intermediate.dense, …), so
// the module's state dict *is* the checkpoint layout. Unlike Llama, BERT is post-norm: each sub-layer's residual sum
// is normalised (LayerNorm with bias), attention is bidirectional with a padding mask, and the MLP is GELU.
// Shapes: B batch, T tokens (padded to the longest in the batch), C hidden, nh heads, hd head width.

/// <summary>Word + absolute position + token type embeddings, normalised.</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding word_embeddings, position_embeddings, token_type_embeddings;
    private readonly LayerNorm LayerNorm;

    public BertEmbeddings(EncoderConfig config) : base(nameof(BertEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="inputIds">(B, T) token ids.</param>
    /// <param name="tokenTypeIds">(B, T) segment ids: 0 for the first text, 1 for the second of a pair.</param>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        // From a managed array: arange's bounds would be temporary Scalars (see HeldScalars).
        var positions = tensor(Enumerable.Range(0, (int)inputIds.shape[1]).Select(i => (long)i).ToArray(), device: inputIds.device).unsqueeze(0);  // (1, T)
        var x = word_embeddings.forward(inputIds).Plus(position_embeddings.forward(positions)).PlusInPlace(token_type_embeddings.forward(tokenTypeIds));
        return LayerNorm.forward(x);                                                                               // (B, T, C)
    }
}

/// <summary>Bidirectional multi-head attention: every token attends to every real (unpadded) token of its text.</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query, key, value;
    private readonly int heads, headDim;

    public BertSelfAttention(EncoderConfig config) : base(nameof(BertSelfAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.HeadDimension;
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="x">(B, T, C).</param>
    /// <param name="mask">(B, 1, 1, T) additive: 0 on real tokens, a large negative number on padding.</param>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        long batch = x.shape[0], time = x.shape[1];
        var q = query.forward(x).view(batch, time, heads, headDim).transpose(1, 2);    // (B, nh, T, hd)
        var k = key.forward(x).view(batch, time, heads, headDim).transpose(1, 2);
        var v = value.forward(x).view(batch, time, heads, headDim).transpose(1, 2);
        var y = F.scaled_dot_product_attention(q, k, v, attn_mask: mask);                // (B, nh, T, hd)
        return y.transpose(1, 2).reshape(batch, time, heads * headDim);                 // (B, T, C)
    }
}

/// <summary>A sub-layer's output projection, added to its input and normalised (post-norm).</summary>
public sealed class BertResidualOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;

    public BertResidualOutput(int inputSize, EncoderConfig config) : base(nameof(BertResidualOutput))
    {
        dense = nn.Linear(inputSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor sublayerOutput, Tensor residual) => LayerNorm.forward(dense.forward(sublayerOutput).Plus(residual));
}

/// <summary>Self-attention and its residual output (HF's <c>attention.self</c> and <c>attention.output</c>).</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertResidualOutput output;

    public BertAttention(EncoderConfig config) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertResidualOutput(config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask) => output.forward(self.forward(x, mask), x);
}

/// <summary>The feed-forward's widening projection and GELU.</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly bool tanhGelu;

    public BertIntermediate(EncoderConfig config) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        tanhGelu = config.TanhGelu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = dense.forward(x);
        return tanhGelu ? F.gelu(h, GELU.Approximate.tanh) : F.gelu(h);
    }
}

/// <summary>One post-norm block: x = norm(x + attn(x)); x = norm(x + ffn(x)).</summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualOutput output;

    public BertLayer(EncoderConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertResidualOutput(config.IntermediateSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        var a = attention.forward(x, mask);
        return output.forward(intermediate.forward(a), a);
    }
}

/// <summary>The stack of layers (HF's <c>encoder.layer.N</c>).</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(EncoderConfig config) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        foreach (var block in layer) x = block.forward(x, mask);
        return x;
    }
}

/// <summary>tanh(dense(first token's state)): the sentence summary a classifier head reads.</summary>
public sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(EncoderConfig config) : base(nameof(BertPooler))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden) => dense.forward(hidden.select(1, 0)).tanh();   // (B, C)
}

/// <summary>
/// BERT: embeddings and the layer stack, giving every token's final state. The pooler exists only where a head reads
/// it (sequence classification); embedding models pool token states themselves (<see cref="EncoderPooling"/>).
/// </summary>
public sealed class BertModel : nn.Module
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler? pooler;

    // Held in a field: a temporary TorchSharp Scalar can be finalized while native code still reads it.
    private static readonly Scalar Lowest = float.MinValue.ToScalar();

    public BertModel(EncoderConfig config, bool withPooler) : base(nameof(BertModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        if (withPooler) pooler = new BertPooler(config);
        RegisterComponents();
    }

    public EncoderConfig Config { get; }

    /// <param name="inputIds">(B, T) ids, padded with anything where <paramref name="attentionMask"/> is 0.</param>
    /// <param name="tokenTypeIds">(B, T) segment ids.</param>
    /// <param name="attentionMask">(B, T) 1 on real tokens, 0 on padding.</param>
    /// <returns>(B, T, C) last hidden states (padding positions hold values no one should read).</returns>
    public Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        // Additive mask over keys, as HF builds it: 0 where attended, the dtype's lowest value on padding.
        long batch = attentionMask.shape[0], time = attentionMask.shape[1];
        var padding = attentionMask.logical_not().view(batch, 1, 1, time);
        var additive = zeros(batch, 1, 1, time, device: attentionMask.device).masked_fill(padding, Lowest);
        return encoder.forward(embeddings.forward(inputIds, tokenTypeIds), additive);
    }

    /// <summary>The pooler's output for <paramref name="hidden"/> (B, T, C); only for a model built with one.</summary>
    public Tensor Pool(Tensor hidden) => (pooler ?? throw new InvalidOperationException("this BERT has no pooler")).forward(hidden);
}

/// <summary>BERT with a linear classifier on the pooled [CLS] state: cross-encoder rerankers and text classifiers.</summary>
public sealed class BertForSequenceClassification : nn.Module
{
    private readonly BertModel bert;
    private readonly Linear classifier;

    public BertForSequenceClassification(EncoderConfig config) : base(nameof(BertForSequenceClassification))
    {
        bert = new BertModel(config, withPooler: true);
        classifier = nn.Linear(config.HiddenSize, config.LabelCount);
        RegisterComponents();
    }

    /// <returns>(B, labels) logits.</returns>
    public Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) =>
        classifier.forward(bert.Pool(bert.forward(inputIds, tokenTypeIds, attentionMask)));
}
