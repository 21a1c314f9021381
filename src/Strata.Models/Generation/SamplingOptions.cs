namespace Strata.Models.Generation;

/// <summary>Per-request decoding settings. Defaults give plain sampling at temperature 1.</summary>
public sealed record SamplingOptions
{
    /// <summary>0 means greedy (argmax); otherwise logits are divided by it.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens; 0 disables.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set whose probability reaches p; 1 disables.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Drop tokens less likely than min_p × the most likely one; 0 disables.</summary>
    public double MinP { get; init; }

    /// <summary>CTRL-style penalty on tokens already in the context (HF semantics); 1 disables.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Same seed, same model, same prompt → same text. Null draws a random seed.</summary>
    public int? Seed { get; init; }

    public int MaxTokens { get; init; } = 128;

    /// <summary>Generation ends before the first occurrence of any of these; the stop text is not returned.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Whether the model's end-of-sequence tokens end generation.</summary>
    public bool StopAtEndOfSequence { get; init; } = true;

    /// <summary>
    /// Whether special tokens are left out of the text (vLLM's <c>skip_special_tokens</c>). Off when a special token
    /// carries meaning the reply is parsed for, such as Mistral's <c>[TOOL_CALLS]</c> opening a tool call.
    /// </summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>A rule the output must follow (JSON, …), enforced by masking the logits at every step; null = free text.</summary>
    public Constraints.ITokenConstraint? Constraint { get; init; }

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException("temperature must be >= 0");
        if (TopK < 0) throw new ArgumentException("top_k must be >= 0");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException("top_p must be in (0, 1]");
        if (!(MinP >= 0 && MinP <= 1)) throw new ArgumentException("min_p must be in [0, 1]");
        if (!(RepetitionPenalty > 0)) throw new ArgumentException("repetition_penalty must be > 0");
        if (MaxTokens < 0) throw new ArgumentException("max_tokens must be >= 0");
        if (StopSequences.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop sequences must not be empty");
    }
}
