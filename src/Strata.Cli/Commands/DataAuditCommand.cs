using System.CommandLine;
using Spectre.Console;
using Strata.Data.Audit;

namespace Strata.Cli.Commands;

/// <summary><c>strata data audit</c>: rank the suspect examples of an instruction or chat tuning file.</summary>
internal static class DataAuditCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("conversations") { Description = "JSONL (or JSON array) of ShareGPT, messages or instruction/output records" };
        var output = new Option<string?>("--out") { Description = "Report file (default: <input>.audit.json)" };
        var top = new Option<int>("--top") { Description = "Suspects to show in the console table", DefaultValueFactory = _ => 20 };
        var command = new Command("audit", "Find duplicate, conflicting, empty, truncated and malformed examples in tuning data") { input, output, top };
        command.SetAction(parse =>
        {
            string path = parse.GetRequiredValue(input);
            var report = ConversationAuditor.Audit(path);
            string reportPath = parse.GetValue(output) ?? path + ".audit.json";
            report.WriteJson(reportPath);

            // Captured output has no terminal width; wide enough that details are not wrapped into unreadable columns.
            if (!context.Console.Profile.Capabilities.Interactive) context.Console.Profile.Width = Math.Max(context.Console.Profile.Width, 200);
            var table = new Table().AddColumn("rank").AddColumn("line").AddColumn("id").AddColumn("score").AddColumn("reasons");
            int rank = 0;
            foreach (var suspect in report.Suspects.Take(Math.Max(0, parse.GetValue(top))))
            {
                string reasons = string.Join("\n", suspect.Findings.GroupBy(f => f.Reason).Select(g => $"{g.Key}: {g.First().Detail}"));
                table.AddRow((++rank).ToString(), suspect.Line.ToString(), Markup.Escape(suspect.Id ?? "-"), suspect.Score.ToString("0.#"), Markup.Escape(reasons));
            }
            if (rank > 0) context.Console.Write(table);
            var summary = new Table().AddColumn("reason").AddColumn("examples");
            foreach (var (reason, count) in report.ReasonCounts.Where(c => c.Value > 0)) summary.AddRow(reason, count.ToString());
            if (summary.Rows.Count > 0) context.Console.Write(summary);
            context.Output.WriteLine($"{report.Suspects.Count} suspect(s) in {report.Examples} example(s); report written to {reportPath}");
            return 0;
        });
        return command;
    }
}
