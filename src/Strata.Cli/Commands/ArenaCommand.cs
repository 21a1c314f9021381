using System.CommandLine;
using System.Text;
using Strata.Serving.Arena;
using Strata.Serving.Security;

namespace Strata.Cli.Commands;

/// <summary><c>strata arena export</c>: a tenant's counted arena votes with both conversations, as JSON lines.</summary>
internal static class ArenaCommand
{
    public static Command Create(CliContext context) => new("arena", "The arena's votes (battles are cast in `strata serve`'s /arena page)")
    {
        ExportSubcommand(context),
    };

    private static Command ExportSubcommand(CliContext context)
    {
        var tenant = new Option<string>("--tenant") { Description = "Whose votes", DefaultValueFactory = _ => "default" };
        var output = new Option<string?>("--out") { Description = "File to write (default: standard output)" };
        var store = StoreOption.Create();
        var command = new Command("export", "Write the tenant's counted votes in Chatbot Arena's conversation shape ({question_id, model_a, model_b, winner, conversation_a, conversation_b}), one per line")
        {
            tenant, output, store,
        };
        command.SetAction(parse =>
        {
            string tenantName = TenantName.Validate(parse.GetRequiredValue(tenant));
            using var arena = ArenaStores.Open(StoreOption.Read(parse, store));
            var votes = ArenaExport.CountedVotes(arena, tenantName).ToList();
            string? path = parse.GetValue(output);
            using var writer = path is null ? null : new StreamWriter(path, append: false, new UTF8Encoding(false));
            foreach (var vote in votes) (writer ?? context.Output).WriteLine(vote.ToJson().ToJsonString());
            context.Error.WriteLine($"{votes.Count} counted votes of tenant '{tenantName}' from {arena.Location}");
            return 0;
        });
        return command;
    }
}
