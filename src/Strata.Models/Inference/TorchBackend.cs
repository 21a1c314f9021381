using Strata.Models.Configuration;
using Strata.Models.Llama;
using static TorchSharp.torch;

namespace Strata.Models.Inference;

/// <summary>
/// <see cref="LlamaForCausalLM"/> (TorchSharp) behind the inference seam: what training uses, and the reference the
/// native runtime is checked against. Wrapping a model that is being trained is fine: inference runs in
/// <c>inference_mode</c> and leaves the model's training flag to its owner.
/// </summary>
public sealed class TorchBackend(LlamaForCausalLM model, bool ownsModel = false) : IInferenceBackend
{
    public LlamaForCausalLM Model { get; } = model;

    public string Name => "torch";

    public ModelConfig Config => Model.Config;

    public int VocabularySize => Config.VocabSize;

    public int HiddenSize => Config.HiddenSize;

    public ISequenceCachePool NewCachePool(int slots) => Model.NewCachePool(slots);

    /// <summary>The single-stream generator's view of <paramref name="model"/>, ending at its config's EOS ids.</summary>
    public static BackendLanguageModel LanguageModel(LlamaForCausalLM model) =>
        new(new TorchBackend(model), model.Config.EosTokenIds);

    public void Step(IReadOnlyList<SequenceStep> steps, Span<float> logits)
    {
        if (steps.Count == 0) throw new ArgumentException("no sequences to step", nameof(steps));
        var chunks = new SequenceChunk[steps.Count];
        for (int i = 0; i < steps.Count; i++)
        {
            var cache = steps[i].Cache as KvCache
                ?? throw new ArgumentException("the cache was not made by this backend (NewCachePool)", nameof(steps));
            if (cache.Length + steps[i].Tokens.Count > Config.ContextLength)
            {
                throw new ArgumentException($"sequence of {cache.Length + steps[i].Tokens.Count} tokens exceeds the model's {Config.ContextLength}-token context");
            }
            if (steps[i].Adapter != 0) throw new ArgumentException("the torch backend serves no LoRA adapters", nameof(steps));
            chunks[i] = new SequenceChunk(steps[i].Tokens, cache);
        }
        int needed = steps.Count * VocabularySize;
        if (logits.Length < needed) throw new ArgumentException($"logits holds {logits.Length} floats; {needed} are needed", nameof(logits));
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var rows = Model.StepLogits(chunks).to_type(ScalarType.Float32).cpu();                  // (steps, vocab)
        rows.data<float>().CopyTo(logits[..needed]);
    }

    public int LoadAdapter(string directory) =>
        throw new NotSupportedException("the torch backend does not serve LoRA adapters: use the native backend, or fold the adapter in with `strata merge`");

    public float[] HiddenStates(IReadOnlyList<int> tokens)
    {
        if (tokens.Count == 0) throw new ArgumentException("no tokens", nameof(tokens));
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), device: Model.Device).unsqueeze(0);   // (1, T)
        var hidden = Model.HiddenStates(ids)[0].to_type(ScalarType.Float32).cpu();                     // (T, C)
        return hidden.data<float>().ToArray();
    }

    public double[] TokenLogProbs(IReadOnlyList<int> ids) => LanguageModelScoring.TokenLogProbs(Model, ids);

    public void Dispose()
    {
        if (ownsModel) Model.Dispose();
    }
}
