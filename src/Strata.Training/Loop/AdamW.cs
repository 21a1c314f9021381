using Strata.Models;
using Strata.Models.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Strata.Training.Loop;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with decoupled weight decay per parameter group, written out here rather
/// than taken from TorchSharp for two reasons: TorchSharp's optimizers pass temporary <see cref="Scalar"/>s
/// to native code without keeping them alive, so the finalizer can free one mid-call (seen as a random
/// crash deep into a run); and the moments can then be saved as plain safetensors (optimizer.safetensors:
/// <c>exp_avg.NAME</c>, <c>exp_avg_sq.NAME</c>) next to the model.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<TrainedParameter> parameters;
    private readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> moments = [];
    private readonly double beta1, beta2, epsilon, weightDecay;

    /// <param name="parameters">Named parameters, with whether weight decay applies and their learning-rate multiplier.</param>
    public AdamW(IEnumerable<TrainedParameter> parameters, double beta1, double beta2, double epsilon, double weightDecay)
    {
        this.parameters = parameters.ToList();
        (this.beta1, this.beta2, this.epsilon, this.weightDecay) = (beta1, beta2, epsilon, weightDecay);
    }

    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Updates applied so far (for bias correction).</summary>
    public long Steps { get; private set; }

    /// <summary>One update from the gradients currently stored on the parameters.</summary>
    public void Step()
    {
        Steps++;
        double correction1 = 1 - Math.Pow(beta1, Steps), correction2 = 1 - Math.Pow(beta2, Steps);
        // Every Scalar lives in a local until the end of the step (see the class remarks).
        using var b1 = beta1.ToScalar();
        using var oneMinusB1 = (1 - beta1).ToScalar();
        using var b2 = beta2.ToScalar();
        using var oneMinusB2 = (1 - beta2).ToScalar();
        using var sqrtCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var eps = epsilon.ToScalar();
        // One step size and decay factor per distinct learning-rate multiplier (LoRA+ has two).
        var steps = new Dictionary<double, (Scalar NegativeStep, Scalar Decay)>();
        using var noGrad = no_grad();
        try
        {
            foreach (var (name, parameter, decays, scale) in parameters)
            {
                var gradient = parameter.grad;
                if (gradient is null) continue;
                if (!steps.TryGetValue(scale, out var step))
                {
                    double rate = LearningRate * scale;
                    Scalar negativeStep = (-rate / correction1).ToScalar(), decay = (1 - rate * weightDecay).ToScalar();
                    steps[scale] = step = (negativeStep, decay);
                }
                Update(name, parameter, gradient, decays, step.NegativeStep, step.Decay);
            }
        }
        finally
        {
            foreach (var (negativeStep, decay) in steps.Values)
            {
                negativeStep.Dispose();
                decay.Dispose();
            }
        }

        void Update(string name, Parameter parameter, Tensor gradient, bool decays, Scalar negativeStep, Scalar decay)
        {
            using var scope = NewDisposeScope();
            var (expAvg, expAvgSq) = Moments(name, parameter);
            if (decays && weightDecay > 0) parameter.mul_(decay);
            expAvg.mul_(b1).add_(gradient, alpha: oneMinusB1);
            expAvgSq.mul_(b2).addcmul_(gradient, gradient, value: oneMinusB2);
            var denominator = expAvgSq.sqrt().div_(sqrtCorrection2).PlusInPlace(eps);
            parameter.addcdiv_(expAvg, denominator, value: negativeStep);
        }
    }

    public void ZeroGrad()
    {
        foreach (var trained in parameters) trained.Parameter.grad?.zero_();
    }

    /// <summary>Writes the moments as safetensors; the step count goes in its metadata.</summary>
    public void Save(string path)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, (expAvg, expAvgSq)) in moments)
        {
            tensors.Add(new($"exp_avg.{name}", expAvg));
            tensors.Add(new($"exp_avg_sq.{name}", expAvgSq));
        }
        SafeTensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["steps"] = Steps.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <exception cref="InvalidDataException">The file does not match these parameters.</exception>
    public void Load(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        Steps = long.Parse(file.Metadata.GetValueOrDefault("steps") ?? throw new InvalidDataException($"{path}: no 'steps' metadata"),
            System.Globalization.CultureInfo.InvariantCulture);
        using var noGrad = no_grad();
        foreach (var (name, parameter, _, _) in parameters)
        {
            if (!file.Tensors.ContainsKey($"exp_avg.{name}")) continue; // never updated (no gradient yet)
            var (expAvg, expAvgSq) = Moments(name, parameter);
            using var savedAvg = file.Load($"exp_avg.{name}");
            using var savedAvgSq = file.Load($"exp_avg_sq.{name}");
            if (!savedAvg.shape.SequenceEqual(parameter.shape)) throw new InvalidDataException($"{path}: moments of '{name}' have the wrong shape");
            expAvg.copy_(savedAvg);
            expAvgSq.copy_(savedAvgSq);
        }
    }

    private (Tensor ExpAvg, Tensor ExpAvgSq) Moments(string name, Parameter parameter)
    {
        if (moments.TryGetValue(name, out var state)) return state;
        state = (zeros_like(parameter).DetachFromDisposeScope(), zeros_like(parameter).DetachFromDisposeScope());
        moments[name] = state;
        return state;
    }

    public void Dispose()
    {
        foreach (var (expAvg, expAvgSq) in moments.Values)
        {
            expAvg.Dispose();
            expAvgSq.Dispose();
        }
        moments.Clear();
    }
}
