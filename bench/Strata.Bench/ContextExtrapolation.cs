using Strata.Models.Llama;
using Strata.Training.Datasets;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Bench;

/// <summary>
/// Validation loss of a trained model at its training context T and at 2T and 4T (ALiBi models must stay
/// within 5%): <c>context --model DIR --data DIR --context T</c>, where DIR holds the run's train/val.bin.
/// </summary>
internal static class ContextExtrapolation
{
    public static void Run(Arguments args)
    {
        using var model = LlamaCheckpoint.Load(args.Required("--model"));
        model.eval();
        using var dataset = TokenDataset.Open(args.Required("--data"));
        int trained = args.Int("--context", 64);
        long tokens = args.Int("--tokens", 65536);
        double? reference = null;
        foreach (int context in new[] { trained, 2 * trained, 4 * trained })
        {
            double nats = 0;
            long count = 0;
            using (no_grad())
            {
                foreach (var (inputs, targets) in BatchSampler.ValidationWindows(dataset.Validation, context, 4, tokens))
                {
                    using var scope = NewDisposeScope();
                    var logits = model.forward(inputs);
                    nats += F.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1), reduction: nn.Reduction.Sum).item<float>();
                    count += targets.numel();
                    inputs.Dispose();
                    targets.Dispose();
                }
            }
            double loss = nats / count;
            reference ??= loss;
            Console.WriteLine($"context {context,5}: validation loss {loss:F4} nats/token over {count} tokens ({(loss / reference.Value - 1) * 100:+0.0;-0.0}% vs T)");
        }
    }
}
