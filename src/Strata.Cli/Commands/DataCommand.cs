using System.CommandLine;

namespace Strata.Cli.Commands;

/// <summary><c>strata data …</c>: turn raw pages and documents into clean training text, and audit tuning data.</summary>
internal static class DataCommand
{
    public static Command Create(CliContext context) => new("data", "Curate training data: clean, deduplicate, decontaminate, audit")
    {
        DataCleanCommand.Create(context),
        DataTokenizeCommand.Create(context),
        DataAuditCommand.Create(context),
        DataQualityCommand.Create(context),
    };
}
