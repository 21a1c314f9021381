using Strata.Models.Configuration;

namespace Strata.Models.Inference;

/// <summary>
/// A loaded network as the server, the generators and the scoring tools see it, whatever runs it: TorchSharp
/// (<see cref="TorchBackend"/>) or the native CPU runtime. One caller thread at a time: the server's engine thread
/// owns it; single-stream tools call it from theirs.
/// </summary>
/// <remarks>
/// The seam is a ragged batched step: several sequences, each with its own cache slot and any number of new tokens
/// (a whole prompt, a chunk of one, or one decode token), advance in one call. Everything above it (samplers, the
/// continuous-batching engine, the API handlers, the CLI) is written against this interface alone.
/// </remarks>
public interface IInferenceBackend : IDisposable
{
    /// <summary>"torch" or "native", for logs and metrics.</summary>
    string Name { get; }

    ModelConfig Config { get; }

    /// <summary>Width of every logits row (the model's vocabulary, which may exceed the tokenizer's).</summary>
    int VocabularySize { get; }

    /// <summary>Width of <see cref="HiddenStates"/> rows.</summary>
    int HiddenSize { get; }

    /// <summary>Cache slots for up to <paramref name="slots"/> sequences stepped together.</summary>
    ISequenceCachePool NewCachePool(int slots);

    /// <summary>
    /// One forward pass over several sequences: each step's tokens are appended to its own cache, and the logits that
    /// follow its last token are written to row <c>i</c> of <paramref name="logits"/> (steps × <see cref="VocabularySize"/>).
    /// </summary>
    /// <exception cref="ArgumentException">No steps, an empty step, a cache from another backend, one cache twice, or a
    /// sequence past the model's context.</exception>
    void Step(IReadOnlyList<SequenceStep> steps, Span<float> logits);

    /// <summary>
    /// Loads a LoRA adapter (a PEFT folder) over this backend's weights, without copying them; steps then name it by the
    /// returned index (<see cref="SequenceStep.Adapter"/>), so sequences of different adapters share one batch.
    /// </summary>
    /// <exception cref="NotSupportedException">This backend does not serve adapters (merge them: <c>strata merge</c>).</exception>
    /// <exception cref="InvalidDataException">The adapter does not fit this model (the message names the tensor).</exception>
    int LoadAdapter(string directory);

    /// <summary>Final normalised hidden states of <paramref name="tokens"/> on their own (no cache): (T × C) row-major.</summary>
    float[] HiddenStates(IReadOnlyList<int> tokens);

    /// <summary>log p(ids[t] | ids[&lt;t]) for t = 1 … n−1 (empty for fewer than two ids).</summary>
    double[] TokenLogProbs(IReadOnlyList<int> ids);
}

/// <summary>
/// One sequence's share of a <see cref="IInferenceBackend.Step"/>: new tokens, the cache holding its past, and the LoRA
/// adapter it runs with (an index from <see cref="IInferenceBackend.LoadAdapter"/>; 0 = the base model).
/// </summary>
public readonly record struct SequenceStep(IReadOnlyList<int> Tokens, ISequenceCache Cache, int Adapter = 0);

/// <summary>Cache slots of one backend; a rented cache returns its slot when disposed.</summary>
public interface ISequenceCachePool : IDisposable
{
    int Slots { get; }

    int FreeSlots { get; }

    /// <exception cref="InvalidOperationException">Every slot is in use.</exception>
    ISequenceCache Rent();
}

/// <summary>One sequence's keys and values for every layer.</summary>
public interface ISequenceCache : IDisposable
{
    /// <summary>Tokens held.</summary>
    int Length { get; }

    /// <summary>Forgets everything after the first <paramref name="length"/> tokens (to reuse a shared prompt prefix).</summary>
    void Truncate(int length);
}
