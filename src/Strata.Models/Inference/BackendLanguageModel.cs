using Strata.Models.Generation;

namespace Strata.Models.Inference;

/// <summary>
/// The single-stream view of any backend for <see cref="TextGenerator"/>: each session rents a one-slot cache pool
/// and steps its sequence alone.
/// </summary>
public sealed class BackendLanguageModel(IInferenceBackend backend, IReadOnlyList<int> endOfSequenceTokenIds) : ILanguageModel
{
    public IInferenceBackend Backend { get; } = backend;

    public int VocabularySize => Backend.VocabularySize;

    public IReadOnlyList<int> EndOfSequenceTokenIds { get; } = endOfSequenceTokenIds;

    public ILanguageModelSession OpenSession() => new Session(Backend);

    private sealed class Session : ILanguageModelSession
    {
        private readonly IInferenceBackend backend;
        private readonly ISequenceCachePool pool;
        private readonly ISequenceCache cache;

        public Session(IInferenceBackend backend)
        {
            this.backend = backend;
            pool = backend.NewCachePool(1);
            cache = pool.Rent();
        }

        public int Length => cache.Length;

        public int MaxLength => backend.Config.ContextLength;

        public float[] Append(IReadOnlyList<int> tokens)
        {
            if (tokens.Count == 0) throw new ArgumentException("no tokens to append", nameof(tokens));
            if (Length + tokens.Count > MaxLength)
            {
                throw new ArgumentException($"sequence of {Length + tokens.Count} tokens exceeds the model's {MaxLength}-token context");
            }
            var logits = new float[backend.VocabularySize];
            backend.Step([new SequenceStep(tokens, cache)], logits);
            return logits;
        }

        public void Dispose()
        {
            cache.Dispose();
            pool.Dispose();
        }
    }
}
