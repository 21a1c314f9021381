using Strata.Models.Configuration;
using Strata.Models.Llama;
using static TorchSharp.torch;

namespace Strata.Models.Generation;

/// <summary>The TorchSharp <see cref="LlamaForCausalLM"/> behind <see cref="ILanguageModel"/>.</summary>
public sealed class TorchLanguageModel(LlamaForCausalLM model) : ILanguageModel
{
    public LlamaForCausalLM Model { get; } = model;

    public int VocabularySize => Model.Config.VocabSize;

    public IReadOnlyList<int> EndOfSequenceTokenIds => Model.Config.EosTokenIds;

    public ILanguageModelSession OpenSession() => new Session(Model);

    private sealed class Session(LlamaForCausalLM model) : ILanguageModelSession
    {
        private readonly KvCache cache = model.NewCache();
        private readonly Device device = model.Device;

        public int Length => (int)cache.Length;

        public int MaxLength => model.Config.PositionEncoding == PositionEncoding.Alibi
            ? int.MaxValue
            : model.Config.MaxPositionEmbeddings;

        public float[] Append(IReadOnlyList<int> tokens)
        {
            if (tokens.Count == 0) throw new ArgumentException("no tokens to append", nameof(tokens));
            if (Length + tokens.Count > MaxLength)
            {
                throw new ArgumentException($"sequence of {Length + tokens.Count} tokens exceeds the model's {MaxLength}-token context");
            }
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            var ids = tensor(tokens.Select(t => (long)t).ToArray(), device: device).unsqueeze(0);   // (1, T)
            var hidden = model.HiddenStates(ids, cache);                                             // (1, T, C)
            var logits = model.Logits(hidden[0, -1]);                                                // (vocab)
            return logits.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }

        public void Dispose() => cache.Dispose();
    }
}
