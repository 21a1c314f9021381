using System.CommandLine;
using Strata.Evaluation.Judging;
using Strata.Evaluation.Running;
using Strata.Training.Quickstart;

namespace Strata.Cli.Commands;

/// <summary><c>strata eval judge</c>: MT-Bench-style pairwise judging by a model, as Bradley–Terry ratings.</summary>
internal static class EvalJudgeCommand
{
    public static Command Create(CliContext context)
    {
        var models = new Option<string[]>("--model")
        {
            Description = "A contestant, repeatable (at least two): PATH[=NAME] or URL=MODEL",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var judge = new Option<string>("--judge") { Description = "The judge: PATH[=NAME] or URL=MODEL (a capable instruction model)", Required = true };
        var questions = new Option<string>("--questions")
        {
            Description = "Questions in MT-Bench's JSONL shape ({question_id, category, turns}); 'quickstart' for the quickstart's held-out prompts",
            Required = true,
        };
        var prompts = new Option<string?>("--judge-prompts") { Description = "FastChat judge_prompts.jsonl to use instead of the bundled pair-v2 prompts" };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N questions" };
        var maxTokens = new Option<int>("--max-answer-tokens") { Description = "Longest answer per turn", DefaultValueFactory = _ => 512 };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding the API key for URL models" };
        var output = new Option<string>("--out") { Description = "Folder for judge.json, judge.md, judgements.jsonl and answers/", DefaultValueFactory = _ => "judge-results" };
        var inference = new InferenceFlags();
        var command = new Command("judge", "Have a judge model compare models pairwise on questions (MT-Bench's protocol), rated by Bradley–Terry")
        {
            models, judge, questions, prompts, limit, maxTokens, apiKeyEnv, output,
        };
        inference.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(limit) is < 1) throw new ArgumentException("--limit must be at least 1");
            if (parse.GetValue(maxTokens) < 1) throw new ArgumentException("--max-answer-tokens must be at least 1");
            string key = parse.GetValue(apiKeyEnv) ?? "";
            var options = new JudgeOptions(
                parse.GetRequiredValue(models).Select(m => ModelSpec.Parse(m, key.Length == 0 ? null : key)).ToList(),
                ModelSpec.Parse(parse.GetRequiredValue(judge), key.Length == 0 ? null : key),
                JudgeQuestion.Load(QuestionsFile(parse.GetRequiredValue(questions))).Take(parse.GetValue(limit) ?? int.MaxValue).ToList(),
                parse.GetValue(prompts) is string file ? JudgePrompts.Load(file) : JudgePrompts.Bundled(),
                inference.Read(parse),
                parse.GetValue(maxTokens));
            var report = await JudgeRun.RunAsync(options, new LineProgress(p =>
            {
                int step = Math.Max(1, p.Total / 10);
                if (p.Done % step == 0 || p.Done == p.Total) context.Error.WriteLine($"{p.Phase}: {p.Done}/{p.Total}");
            }), cancellationToken);
            string folder = parse.GetValue(output)!;
            JudgeFiles.Write(report, folder);
            context.Output.Write(JudgeFiles.Markdown(report));
            context.Output.WriteLine($"results: {Path.Combine(folder, "judge.json")}, every judgement: {Path.Combine(folder, "judgements.jsonl")}");
            return 0;
        });
        return command;
    }

    private static string QuestionsFile(string value)
    {
        if (value != "quickstart" || File.Exists(value)) return value;
        string folder = Path.Combine("models", "quickstart", "eval");
        QuickstartEvalTasks.Write(folder, new QuickstartOptions());
        return Path.Combine(folder, "questions.jsonl");
    }

    private sealed class LineProgress(Action<JudgeProgress> report) : IProgress<JudgeProgress>
    {
        public void Report(JudgeProgress value) => report(value);
    }
}
