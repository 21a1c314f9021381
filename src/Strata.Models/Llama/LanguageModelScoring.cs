using static TorchSharp.torch;

namespace Strata.Models.Llama;

/// <summary>Log-probabilities of given text under a model: the basis of perplexity and of evaluation.</summary>
public static class LanguageModelScoring
{
    /// <summary>log p(ids[t] | ids[&lt;t]) for t = 1 … n−1, from one forward pass.</summary>
    public static double[] TokenLogProbs(LlamaForCausalLM model, IReadOnlyList<int> ids)
    {
        if (ids.Count < 2) return [];
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var device = model.parameters().First().device;
        var input = tensor(ids.Select(i => (long)i).ToArray(), device: device).unsqueeze(0);     // (1, T)
        var logits = model.forward(input)[0].to_type(ScalarType.Float32);                        // (T, vocab)
        var logProbs = nn.functional.log_softmax(logits[..^1], dim: -1);                         // (T-1, vocab)
        var targets = input[0, 1..].unsqueeze(1);                                                 // (T-1, 1)
        var picked = logProbs.gather(1, targets).squeeze(1);                                      // (T-1)
        return picked.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
    }
}
