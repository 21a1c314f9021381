using System.Text.Json.Nodes;

namespace Strata.Evaluation.Models;

/// <summary>A prompt as a task gives it: plain text, or chat turns the model renders with its own template.</summary>
public sealed record EvalPrompt(string Text, JsonArray? Messages = null);

/// <summary>A model the harness can ask for text: generate_until tasks run on any of these.</summary>
public interface IEvaluatedModel : IDisposable
{
    /// <summary>The name reports use.</summary>
    string Name { get; }

    /// <summary>Greedy continuation of <paramref name="prompt"/>, cut before the first stop sequence.</summary>
    Task<string> GenerateAsync(EvalPrompt prompt, IReadOnlyList<string> until, int maxTokens, CancellationToken cancellationToken);
}

/// <summary>A model whose token probabilities the harness can read: multiple_choice and loglikelihood_rolling tasks need one.</summary>
public interface IScoringModel : IEvaluatedModel
{
    /// <summary>
    /// log p(continuation | context) for each continuation, summed over its tokens, and whether greedy decoding would
    /// have produced it. Tokenized as the harness does: context + continuation encoded whole, the continuation being the
    /// tokens after the context's (so a merge across the boundary is scored as the model reads it); trailing spaces of
    /// the context move to the continuation. A prompt of chat turns is rendered with the model's template (and its
    /// generation prompt), and each continuation is encoded on its own after it.
    /// </summary>
    IReadOnlyList<ContinuationScore> Loglikelihoods(EvalPrompt context, IReadOnlyList<string> continuations);

    /// <summary>Sum of log p over every token of <paramref name="text"/>, each with up to a full context window before it.</summary>
    RollingScore LoglikelihoodRolling(string text);
}

/// <summary>A continuation's log-likelihood, and whether each of its tokens was the model's most likely next token.</summary>
public readonly record struct ContinuationScore(double Loglikelihood, bool IsGreedy);

/// <summary>A document's rolling log-likelihood.</summary>
public readonly record struct RollingScore(double Loglikelihood, int Tokens, int Windows);
