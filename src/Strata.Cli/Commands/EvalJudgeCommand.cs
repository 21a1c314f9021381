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
            AllowMultipleArgumentsPerToken = true,
        };
        var judge = new Option<string>("--judge") { Description = "The judge: PATH[=NAME] or URL=MODEL (a capable instruction model)", Required = true };
        var questions = new Option<string>("--questions")
        {
            Description = "Questions in MT-Bench's JSONL shape ({question_id, category, turns}); 'quickstart' for the quickstart's held-out prompts",
        };
        var humanVotes = new Option<string?>("--human-votes")
        {
            Description = "People's votes (`strata arena export`, or Chatbot Arena's conversation data): judge those battles and report agreement, instead of --model/--questions",
        };
        var prompts = new Option<string?>("--judge-prompts") { Description = "FastChat judge_prompts.jsonl to use instead of the bundled pair-v2 prompts" };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N questions" };
        var maxTokens = new Option<int>("--max-answer-tokens") { Description = "Longest answer per turn", DefaultValueFactory = _ => 512 };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding the API key for URL models" };
        var output = new Option<string>("--out") { Description = "Folder for judge.json, judge.md, judgements.jsonl and answers/", DefaultValueFactory = _ => "judge-results" };
        var inference = new InferenceFlags();
        var command = new Command("judge", "Have a judge model compare models pairwise on questions (MT-Bench's protocol), rated by Bradley–Terry")
        {
            models, judge, questions, humanVotes, prompts, limit, maxTokens, apiKeyEnv, output,
        };
        inference.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(limit) is < 1) throw new ArgumentException("--limit must be at least 1");
            if (parse.GetValue(maxTokens) < 1) throw new ArgumentException("--max-answer-tokens must be at least 1");
            string? key = parse.GetValue(apiKeyEnv);
            var judgeSpec = ModelSpec.Parse(parse.GetRequiredValue(judge), key);
            var judgePrompts = parse.GetValue(prompts) is string file ? JudgePrompts.Load(file) : JudgePrompts.Bundled();
            string folder = parse.GetValue(output)!;
            var progress = new LineProgress(p =>
            {
                int step = Math.Max(1, p.Total / 10);
                if (p.Done % step == 0 || p.Done == p.Total) context.Error.WriteLine($"{p.Phase}: {p.Done}/{p.Total}");
            });
            if (parse.GetValue(humanVotes) is string votesFile)
            {
                if (parse.GetValue(models) is { Length: > 0 } || parse.GetValue(questions) is not null)
                {
                    throw new ArgumentException("--human-votes judges the people's battles; leave out --model and --questions");
                }
                var votes = HumanVote.Load(votesFile).Take(parse.GetValue(limit) ?? int.MaxValue).ToList();
                using var judgeModel = judgeSpec.Open(inference.Read(parse));
                var agreement = await JudgeAgreement.RunAsync(judgeModel, votes, judgePrompts, progress, cancellationToken);
                JudgeFiles.WriteAgreement(agreement, folder);
                context.Output.Write(JudgeFiles.AgreementMarkdown(agreement));
                context.Output.WriteLine($"results: {Path.Combine(folder, "agreement.json")}");
                return 0;
            }
            var contestants = parse.GetValue(models) ?? [];
            if (contestants.Length < 2) throw new ArgumentException("give at least two --model contestants (or --human-votes)");
            string questionsFile = parse.GetValue(questions) ?? throw new ArgumentException("give --questions (a MT-Bench-shaped JSONL file, or 'quickstart')");
            var options = new JudgeOptions(
                contestants.Select(m => ModelSpec.Parse(m, key)).ToList(),
                judgeSpec,
                JudgeQuestion.Load(QuestionsFile(questionsFile)).Take(parse.GetValue(limit) ?? int.MaxValue).ToList(),
                judgePrompts,
                inference.Read(parse),
                parse.GetValue(maxTokens));
            var report = await JudgeRun.RunAsync(options, progress, cancellationToken);
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
