namespace Strata.Evaluation.Tasks;

/// <summary>What a task asks of a model, in lm-evaluation-harness's terms.</summary>
public enum OutputType
{
    /// <summary>Score each choice's log-likelihood after the prompt; the highest one is the answer (acc, acc_norm, acc_bytes).</summary>
    MultipleChoice,

    /// <summary>Generate greedily until a stop sequence; compare the (filtered) text with the target (exact_match).</summary>
    GenerateUntil,

    /// <summary>Log-likelihood of the target after the prompt (perplexity, and acc: whether greedy decoding gives it), as LAMBADA.</summary>
    Loglikelihood,

    /// <summary>Log-likelihood of whole documents in windows of the model's context (perplexity, bits per byte).</summary>
    LoglikelihoodRolling,
}
