namespace Strata.Models.Tokenization;

/// <summary>
/// Settings for <see cref="BpeTrainer"/>. The defaults reproduce the reference byte-level trainer
/// (GPT-2 pre-tokenization, <c>&lt;|endoftext|&gt;</c>, no frequency threshold).
/// </summary>
/// <param name="VocabularySize">
/// Final vocabulary size including the special tokens and the 256 byte tokens; training stops earlier when no
/// pair is left to merge.
/// </param>
public sealed record BpeTrainerOptions(int VocabularySize)
{
    /// <summary>Special tokens, given ids 0..n-1 in this order. Text is split on them before pre-tokenizing.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = ["<|endoftext|>"];

    /// <summary>
    /// Pre-tokenizer regex; merges never cross a match boundary. Long inputs are cut for parallel counting only
    /// at a line feed between two visible ASCII characters, so a pattern must not match across such a line
    /// feed (GPT-2's and Llama 3's patterns do not).
    /// </summary>
    public string PreTokenizerPattern { get; init; } = BpeModel.Gpt2Pattern;

    /// <summary>
    /// Training stops once the most frequent pair occurs fewer times than this. The default 1 means no
    /// threshold, as in the reference trainer.
    /// </summary>
    public long MinFrequency { get; init; } = 1;

    /// <summary>Worker threads for pre-token counting; null uses all cores.</summary>
    public int? MaxDegreeOfParallelism { get; init; }
}
