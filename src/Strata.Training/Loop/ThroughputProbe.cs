using System.Diagnostics;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Training.Loop;

/// <summary>
/// Times a few training steps of a model shape on random tokens, so a time budget ("train for 5 minutes") can
/// be turned into a step count before the run starts and the learning-rate schedule can end on time.
/// </summary>
public static class ThroughputProbe
{
    /// <returns>Seconds per optimizer step (forward, backward, AdamW) after one warm-up step.</returns>
    public static double SecondsPerStep(ModelConfig config, int batchSize, int contextLength, int steps = 3)
    {
        using var model = LlamaCheckpoint.Create(config, seed: 0);
        using var optimizer = new AdamW(model.named_parameters().Select(p => new TrainedParameter(p.name, p.parameter, true)), 0.9, 0.99, 1e-8, 0.1);
        var clock = new Stopwatch();
        for (int step = 0; step <= steps; step++)
        {
            if (step == 1) clock.Start();
            using var scope = NewDisposeScope();
            var inputs = randint(0, config.VocabSize, [batchSize, contextLength]);
            var logits = model.forward(inputs);
            var loss = F.cross_entropy(logits.view(-1, config.VocabSize), inputs.view(-1));
            loss.backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        return clock.Elapsed.TotalSeconds / steps;
    }
}
