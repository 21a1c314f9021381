using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Models.Adapters;

/// <summary>
/// A low-rank update of the token embedding: ΔE = scale·(B·A)ᵀ [vocab, hidden], A [r, vocab], B [hidden, r] (PEFT's
/// <c>lora_embedding_A</c>/<c>lora_embedding_B</c>, initialised as PEFT does: A zero, B standard normal, so an untrained
/// update changes nothing). Applied without forming ΔE: a token's row is a gather from A, and an output through the
/// tied matrix is two thin matmuls.
/// </summary>
public sealed class EmbeddingLora : nn.Module
{
    private readonly Parameter lora_embedding_A, lora_embedding_B;

    // Held in a field: a temporary TorchSharp Scalar can be finalized while native code still reads it.
    private readonly Scalar scale;

    public EmbeddingLora(int vocabulary, int hidden, int rank, double scale, Generator? generator = null, Device? device = null)
        : base(nameof(EmbeddingLora))
    {
        Scale = scale;
        this.scale = scale.ToScalar();
        lora_embedding_A = nn.Parameter(torch.zeros(rank, vocabulary, device: device));
        lora_embedding_B = nn.Parameter(torch.randn(hidden, rank, generator: generator, device: device));
        RegisterComponents();
    }

    public double Scale { get; }

    /// <summary>A [r, vocab].</summary>
    public Parameter A => lora_embedding_A;

    /// <summary>B [hidden, r].</summary>
    public Parameter B => lora_embedding_B;

    /// <summary>The update to the embeddings of <paramref name="ids"/>: (…) → (…, hidden).</summary>
    public Tensor Input(Tensor ids, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var rows = lora_embedding_A.t().index_select(0, ids.reshape(-1)).reshape([.. ids.shape, lora_embedding_A.shape[0]]);   // (…, r)
        return F.linear(rows, lora_embedding_B).mul_(scale).to_type(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The update to the logits of <paramref name="hidden"/> through the tied matrix: (…, hidden) → (…, vocab).</summary>
    public Tensor Output(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = hidden.dtype == lora_embedding_B.dtype ? hidden : hidden.to_type(lora_embedding_B.dtype);
        var projected = x.matmul(lora_embedding_B);                                // (…, r)
        return F.linear(projected, lora_embedding_A.t()).mul_(scale).to_type(hidden.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>scale·(B·A)ᵀ [vocab, hidden]: what merging adds to the embedding.</summary>
    public Tensor Delta()
    {
        using var _ = no_grad();
        return lora_embedding_B.matmul(lora_embedding_A).t().mul(scale);
    }
}
