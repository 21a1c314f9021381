using System.CommandLine;
using Strata.Training.Quality;

namespace Strata.Cli.Commands;

/// <summary><c>strata data quality</c>: a teacher rates a sample of documents; a classifier learns its ratings for <c>strata data clean</c>.</summary>
internal static class DataQualityCommand
{
    public static Command Create(CliContext context)
    {
        var teacher = new TeacherFlags("The rater");
        var input = new Option<string[]>("--input") { Description = "Documents to sample from (JSONL, Parquet, text, HTML, PDF…)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Folder for ratings.jsonl, unrated.jsonl and quality-model.json; a rerun resumes", Required = true };
        var rubric = new Option<string?>("--rubric") { Description = "Rating prompt file with a {document} placeholder, ending in \"Score: <points>\" (default: a 0–5 educational-value rubric)" };
        var sample = new Option<int>("--sample") { Description = "Documents the teacher rates", DefaultValueFactory = _ => 1000 };
        var heldOut = new Option<double>("--held-out") { Description = "Share of ratings kept out of fitting to measure agreement", DefaultValueFactory = _ => 0.2 };
        var threshold = new Option<double>("--threshold") { Description = "Keep documents predicted at least this", DefaultValueFactory = _ => 3 };
        var l2 = new Option<double>("--l2") { Description = "Ridge penalty", DefaultValueFactory = _ => 1.0 };
        var command = new Command("quality", "Have a teacher rate a sample of documents and fit the classifier the quality_classifier stage of `strata data clean` applies")
        {
            input, output, rubric, sample, heldOut, threshold, l2,
        };
        teacher.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            string? rubricPath = parse.GetValue(rubric);
            if (rubricPath is not null && !File.Exists(rubricPath)) throw new FileNotFoundException($"{rubricPath}: rubric not found (--rubric)", rubricPath);
            var options = new QualityOptions
            {
                Teacher = teacher.Read(parse),
                Inputs = parse.GetRequiredValue(input),
                Output = parse.GetRequiredValue(output),
                Rubric = rubricPath is null ? TeacherRatings.DefaultRubric : File.ReadAllText(rubricPath),
                Sample = parse.GetValue(sample),
                HeldOutFraction = parse.GetValue(heldOut),
                Threshold = parse.GetValue(threshold),
                L2 = parse.GetValue(l2),
            };
            var outcome = await new TeacherRatings(options, new Progress<string>(line => context.Error.WriteLine(line))).RunAsync(cancellationToken);
            var agreement = outcome.Model.HeldOut!;
            context.Output.WriteLine($"{outcome.Rated} documents rated ({outcome.Unrated} replies without a score{(outcome.AlreadyRated > 0 ? $", {outcome.AlreadyRated} rated by an earlier run" : "")}); "
                + $"classifier fitted on {outcome.Model.TrainedOn} and written to {outcome.ModelPath}");
            context.Output.WriteLine($"Agreement with {agreement.Items} held-out teacher ratings: Pearson {agreement.Pearson:F3}, mean absolute error {agreement.MeanAbsoluteError:F2}, "
                + $"keep/drop at {options.Threshold}: accuracy {agreement.Accuracy:P1}, precision {agreement.Precision:P1}, recall {agreement.Recall:P1}, F1 {agreement.F1:F3}");
            context.Output.WriteLine($"Use it in a `strata data clean` config: {{\"stage\": \"quality_classifier\", \"model\": \"{outcome.ModelPath}\"}}");
            return 0;
        });
        return command;
    }
}
