using Strata.Evaluation.Models;

namespace Strata.Evaluation.Tests.Running;

/// <summary>A model whose replies a test scripts (prompt → reply), to test the harness's matching and bookkeeping.</summary>
internal sealed class ScriptedModel(string name, Func<EvalPrompt, string> reply) : IEvaluatedModel
{
    public List<(EvalPrompt Prompt, IReadOnlyList<string> Until, int MaxTokens)> Calls { get; } = [];

    public string Name => name;

    public Task<string> GenerateAsync(EvalPrompt prompt, IReadOnlyList<string> until, int maxTokens, CancellationToken cancellationToken)
    {
        Calls.Add((prompt, until, maxTokens));
        return Task.FromResult(reply(prompt));
    }

    public void Dispose()
    {
    }
}
