using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Models.Adapters;

/// <summary>
/// One low-rank update of a frozen projection: Δy = scale · B(A(dropout(x))), A [r, in], B [out, r] (PEFT's
/// <c>lora_A</c>/<c>lora_B</c>). Initialised as PEFT does: A Kaiming-uniform, B zero, so an untrained adapter changes
/// nothing.
/// </summary>
public sealed class LoraLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter lora_A, lora_B;
    private readonly double dropout;
    private readonly Generator? dropoutGenerator;

    // Held in a field: a temporary TorchSharp Scalar can be finalized while native code still reads it.
    private readonly Scalar scale, keep;

    /// <param name="generator">Draws the initial A.</param>
    /// <param name="dropoutGenerator">Draws the dropout masks (the adapter's own, so runs repeat whatever else draws random numbers).</param>
    public LoraLayer(int inFeatures, int outFeatures, int rank, double scale, double dropout, Generator? generator = null, Generator? dropoutGenerator = null, Device? device = null)
        : base(nameof(LoraLayer))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Scale = scale;
        this.scale = scale.ToScalar();
        this.dropout = dropout;
        this.dropoutGenerator = dropoutGenerator;
        keep = (1 - dropout).ToScalar();
        // kaiming_uniform_(a=√5) on [r, in], as nn.Linear and PEFT initialise lora_A: bound 1/√in.
        double bound = 1 / Math.Sqrt(inFeatures);
        lora_A = nn.Parameter(torch.empty(rank, inFeatures, device: device).uniform_(-bound, bound, generator));
        lora_B = nn.Parameter(torch.zeros(outFeatures, rank, device: device));
        RegisterComponents();
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public double Scale { get; }

    /// <summary>A [r, in].</summary>
    public Parameter A => lora_A;

    /// <summary>B [out, r].</summary>
    public Parameter B => lora_B;

    /// <returns>The update to add to the frozen projection's output.</returns>
    public override Tensor forward(Tensor x)
    {
        if (dropout > 0 && training)
        {
            // Inverted dropout with the adapter's generator (F.dropout draws from the process-wide one).
            using var mask = torch.rand(x.shape, x.dtype, x.device, generator: dropoutGenerator).lt_(keep);
            x = x * mask / keep;
        }
        // A base kept in bfloat16/float16 (QLoRA-style) still trains its adapter in float32: the update is computed in the
        // adapter's dtype and added in the base's.
        if (x.dtype != lora_A.dtype)
        {
            using var scope = NewDisposeScope();
            return F.linear(F.linear(x.to_type(lora_A.dtype), lora_A), lora_B).mul_(scale).to_type(x.dtype).MoveToOuterDisposeScope();
        }
        return F.linear(F.linear(x, lora_A), lora_B).mul_(scale);
    }

    /// <summary>scale · B·A [out, in]: what merging adds to the base weight.</summary>
    public Tensor Delta()
    {
        using var _ = no_grad();
        return lora_B.matmul(lora_A).mul_(scale);
    }
}
