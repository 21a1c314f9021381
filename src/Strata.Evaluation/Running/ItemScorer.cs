using System.Text;
using System.Text.RegularExpressions;
using Strata.Evaluation.Metrics;
using Strata.Evaluation.Models;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Running;

/// <summary>Runs one instance on a model and scores it by the task's output type.</summary>
internal static partial class ItemScorer
{
    public static async Task<ItemResult> ScoreAsync(IEvaluatedModel model, TaskConfig config, TaskInstance instance, bool contaminated, CancellationToken cancellationToken)
    {
        return config.OutputType switch
        {
            OutputType.MultipleChoice => MultipleChoice(Scoring(model, config), config, instance, contaminated),
            OutputType.LoglikelihoodRolling => Rolling(Scoring(model, config), instance, contaminated),
            OutputType.Loglikelihood => Loglikelihood(Scoring(model, config), config, instance, contaminated),
            OutputType.GenerateUntil => await GenerateAsync(model, config, instance, contaminated, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(config)),
        };
    }

    private static IScoringModel Scoring(IEvaluatedModel model, TaskConfig config) => model as IScoringModel
        ?? throw new InvalidOperationException($"{model.Name} gives no token probabilities (a remote endpoint), so it runs generate_until tasks only, not {config.Name}");

    /// <summary>acc: argmax log-likelihood; acc_norm: divided by the choice's length in characters; acc_bytes: in UTF-8 bytes.</summary>
    private static ItemResult MultipleChoice(IScoringModel model, TaskConfig config, TaskInstance instance, bool contaminated)
    {
        var continuations = instance.Choices.Select(c => config.TargetDelimiter + c).ToList();
        var lls = model.Loglikelihoods(Prompt(instance), continuations).Select(s => s.Loglikelihood).ToList();
        int acc = ArgMax(lls, i => lls[i]);
        int norm = ArgMax(lls, i => lls[i] / Math.Max(1, instance.Choices[i].Length));
        int bytes = ArgMax(lls, i => lls[i] / Math.Max(1, Encoding.UTF8.GetByteCount(instance.Choices[i])));
        int gold = instance.Gold!.Value;
        var scores = new Dictionary<string, double>
        {
            [MetricNames.Acc] = acc == gold ? 1 : 0,
            [MetricNames.AccNorm] = norm == gold ? 1 : 0,
            [MetricNames.AccBytes] = bytes == gold ? 1 : 0,
        };
        return new ItemResult(instance.Row.Index, Shown(instance), instance.Targets, instance.Choices, lls, acc, null, null, scores, contaminated);
    }

    /// <summary>The harness's loglikelihood requests: the target's log-likelihood after the prompt; acc is 1 when greedy
    /// decoding would have written the target (LAMBADA's accuracy).</summary>
    private static ItemResult Loglikelihood(IScoringModel model, TaskConfig config, TaskInstance instance, bool contaminated)
    {
        var score = model.Loglikelihoods(Prompt(instance), [config.TargetDelimiter + instance.Targets[0]])[0];
        var scores = new Dictionary<string, double>
        {
            ["loglikelihood"] = score.Loglikelihood,
            [MetricNames.Acc] = score.IsGreedy ? 1 : 0,
        };
        return new ItemResult(instance.Row.Index, Shown(instance), instance.Targets, [], [score.Loglikelihood], null, null, null, scores, contaminated);
    }

    private static ItemResult Rolling(IScoringModel model, TaskInstance instance, bool contaminated)
    {
        string text = instance.Targets[0];
        var score = model.LoglikelihoodRolling(text);
        var scores = new Dictionary<string, double>
        {
            ["loglikelihood"] = score.Loglikelihood,
            ["tokens"] = score.Tokens,
            ["words"] = Words().Split(text).Length,   // the harness's count: re.split(r"\s+", text)
            ["bytes"] = Encoding.UTF8.GetByteCount(text),
        };
        return new ItemResult(instance.Row.Index, "", instance.Targets, [], null, null, null, null, scores, contaminated);
    }

    private static async Task<ItemResult> GenerateAsync(IEvaluatedModel model, TaskConfig config, TaskInstance instance, bool contaminated, CancellationToken cancellationToken)
    {
        string generation = await model.GenerateAsync(Prompt(instance), config.Generation.Until, config.Generation.MaxGenTokens, cancellationToken).ConfigureAwait(false);
        string filtered = TextFilters.Apply(generation, config.Filters);
        var specs = config.Metrics.Count > 0 ? config.Metrics : [new MetricSpec(MetricNames.ExactMatch)];
        var scores = specs.ToDictionary(s => s.Name, s => ExactMatch.Score(filtered, instance.Targets, s));
        return new ItemResult(instance.Row.Index, Shown(instance), instance.Targets, [], null, null, generation, filtered, scores, contaminated);
    }

    private static EvalPrompt Prompt(TaskInstance instance) => new(instance.Context, instance.Messages);

    /// <summary>The prompt as saved with the item: the text, or the chat turns as JSON.</summary>
    private static string Shown(TaskInstance instance) => instance.Messages?.ToJsonString() ?? instance.Context;

    /// <summary>Index of the largest value; the first wins ties (numpy's argmax).</summary>
    private static int ArgMax(IReadOnlyList<double> values, Func<int, double> key)
    {
        int best = 0;
        for (int i = 1; i < values.Count; i++)
        {
            if (key(i) > key(best)) best = i;
        }
        return best;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Words();
}
