using System.CommandLine;
using Strata.Models.Generation;
using Strata.Training.Distillation;

namespace Strata.Cli.Commands;

/// <summary><c>strata distill</c>: a teacher's filtered answers to prompts, as tuning data for a smaller student.</summary>
internal static class DistillCommand
{
    public static Command Create(CliContext context)
    {
        var teacher = new TeacherFlags("Teacher");
        var expand = new Option<int>("--expand") { Description = "Self-Instruct: first have the teacher write this many new tasks from the prompts (OUT/prompts.jsonl)" };
        var decontaminate = new Option<string[]>("--decontaminate") { Description = "Evaluation sets (JSONL): drop examples sharing a 13-gram with them", AllowMultipleArgumentsPerToken = true };
        var prompts = new Option<string[]>("--prompts") { Description = "Prompt files (JSONL conversations; a trailing assistant turn is the reference answer)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Folder for answers.jsonl (kept) and dropped.jsonl (with reasons); a rerun resumes", Required = true };
        var samples = new Option<int>("--samples") { Description = "Answers sampled per prompt; the first that passes the checks is kept", DefaultValueFactory = _ => 1 };
        var verify = new Option<string?>("--verify") { Description = "A check every answer must pass: json, regex:PATTERN, exact:TEXT, number:VALUE or python-tests:FILE", HelpName = "SPEC" };
        var checkReference = new Option<bool>("--check-reference") { Description = "Keep only answers equal to the prompt's reference answer, where it has one" };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => 0.7 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Longest answer; longer ones are dropped as truncated", DefaultValueFactory = _ => 256 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the first prompt's first sample (default: the prompt's position × 1000)" };
        var command = new Command("distill", "Have a teacher answer prompts and keep the answers that pass the filters, as tuning data for a student (`strata tune --data OUT/answers.jsonl`)")
        {
            prompts, output, samples, verify, checkReference, expand, decontaminate, temperature, maxTokens, seed,
        };
        teacher.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new DistillOptions
            {
                Teacher = teacher.Read(parse),
                Decontaminate = parse.GetValue(decontaminate) ?? [],
                Expand = parse.GetValue(expand),
                Prompts = parse.GetRequiredValue(prompts),
                Output = parse.GetRequiredValue(output),
                Samples = parse.GetValue(samples),
                Verify = parse.GetValue(verify),
                CheckReference = parse.GetValue(checkReference),
                Sampling = new SamplingOptions { Temperature = parse.GetValue(temperature), MaxTokens = parse.GetValue(maxTokens), Seed = parse.GetValue(seed) },
            };
            var summary = await new TeacherAnswers(options, new Progress<string>(line => context.Error.WriteLine(line))).RunAsync(cancellationToken);
            if (summary.Expanded is { } grown)
            {
                context.Output.WriteLine($"Self-Instruct: {grown.Generated} new tasks written to {Path.Combine(options.Output, SelfInstruct.PromptsFile)}"
                    + $" ({grown.Dropped} rejected: {string.Join(", ", grown.DroppedBy.Select(p => $"{p.Value} {p.Key}"))}){(grown.AlreadyThere > 0 ? $"; {grown.AlreadyThere} from an earlier run" : "")}");
            }
            string reasons = string.Join(", ", summary.DroppedBy.OrderByDescending(p => p.Value).Select(p => $"{p.Value} {p.Key}"));
            context.Output.WriteLine($"{summary.Prompts} prompts: {summary.Kept} answers kept in {Path.Combine(options.Output, TeacherAnswers.KeptFile)}, "
                + $"{summary.Dropped} dropped{(reasons.Length > 0 ? $" ({reasons})" : "")} into {TeacherAnswers.DroppedFile}"
                + (summary.AlreadyDone > 0 ? $"; {summary.AlreadyDone} answered by an earlier run" : ""));
            return 0;
        });
        return command;
    }
}
