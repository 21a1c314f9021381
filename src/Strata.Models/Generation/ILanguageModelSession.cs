namespace Strata.Models.Generation;

/// <summary>
/// The one thing the generation loop needs from a model: feed tokens, get next-token logits. A session
/// owns one sequence's state (its KV cache). The TorchSharp model implements it today; a faster CPU
/// backend can replace it without touching samplers, the generator or its callers.
/// </summary>
public interface ILanguageModelSession : IDisposable
{
    /// <summary>Tokens consumed so far.</summary>
    int Length { get; }

    /// <summary>Longest sequence the session accepts (int.MaxValue for ALiBi models).</summary>
    int MaxLength { get; }

    /// <summary>Appends <paramref name="tokens"/> (all in one forward pass) and returns the logits that follow the last one.</summary>
    float[] Append(IReadOnlyList<int> tokens);
}

/// <summary>Opens sessions on one loaded model.</summary>
public interface ILanguageModel
{
    int VocabularySize { get; }

    IReadOnlyList<int> EndOfSequenceTokenIds { get; }

    ILanguageModelSession OpenSession();
}
