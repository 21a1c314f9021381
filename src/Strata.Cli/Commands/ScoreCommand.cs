using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Strata.Models.Inference;
using Strata.Models.Loading;
using Strata.Models.Tokenization;

namespace Strata.Cli.Commands;

/// <summary><c>strata score</c>: the log-probability of each token given the ones before it.</summary>
internal static class ScoreCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model folder or .gguf file", Required = true };
        var text = new Option<string>("--text") { Description = "Text to score", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var noBos = new Option<bool>("--no-bos") { Description = "Do not prepend the BOS token" };
        var inference = new InferenceFlags();
        var command = new Command("score", "Log-probability of every token of a text (the basis of perplexity)") { model, text, json, noBos };
        inference.AddTo(command);
        command.SetAction(parse =>
        {
            var package = ModelPackage.Open(parse.GetRequiredValue(model));
            var ids = package.EncodeText(parse.GetRequiredValue(text), addBos: !parse.GetValue(noBos));
            if (ids.Count > package.ContextLength)
            {
                throw new ArgumentException($"text is {ids.Count} tokens; the model's context is {package.ContextLength}");
            }
            using var runtime = package.LoadBackend(inference.Read(parse));
            var report = Score(runtime, package.Tokenizer, ids);
            if (parse.GetValue(json)) context.Output.WriteLine(JsonSerializer.Serialize(report, CliContext.Json));
            else
            {
                foreach (var t in report.Tokens) context.Output.WriteLine($"{t.Id,8} {t.LogProb,12:F5}  {t.Token}");
                context.Output.WriteLine($"total log-prob {report.TotalLogProb:F4} over {report.ScoredTokens} tokens, perplexity {(report.Perplexity is double p ? p.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "undefined (nothing scored)")}");
            }
            return 0;
        });
        return command;
    }

    // "logprob" as one word, as OpenAI spells it (the naming policy alone would write "log_prob").
    public sealed record TokenScore(int Id, string? Token, [property: JsonPropertyName("logprob")] double? LogProb);

    public sealed record ScoreReport(IReadOnlyList<TokenScore> Tokens, [property: JsonPropertyName("total_logprob")] double TotalLogProb,
        int ScoredTokens, double? Perplexity);

    public static ScoreReport Score(IInferenceBackend backend, StrataTokenizer tokenizer, IReadOnlyList<int> ids)
    {
        var logProbs = backend.TokenLogProbs(ids);
        var tokens = ids.Select((id, i) => new TokenScore(id, tokenizer.IdToToken(id), i == 0 ? null : logProbs[i - 1])).ToList();
        double total = logProbs.Sum();
        int count = logProbs.Length;
        return new ScoreReport(tokens, total, count, count == 0 ? null : Math.Exp(-total / count));
    }
}
