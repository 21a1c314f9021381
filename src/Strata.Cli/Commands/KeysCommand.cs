using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Strata.Serving.Security;

namespace Strata.Cli.Commands;

/// <summary><c>strata keys create|list|revoke</c>: the model server's API keys and their tenants.</summary>
internal static class KeysCommand
{
    public static Command Create(CliContext context)
    {
        return new Command("keys", "Manage the model server's API keys (stored hashed, in a SQLite file or a PostgreSQL database)")
        {
            CreateSubcommand(context),
            ListSubcommand(context),
            RevokeSubcommand(context),
        };
    }

    private static Command CreateSubcommand(CliContext context)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant the key belongs to (letters, digits, '.', '_', '-')", Required = true };
        var name = new Option<string?>("--name") { Description = "Label to recognise the key by, such as 'ci' or 'laptop'" };
        var store = StoreOption.Create();
        var command = new Command("create", "Create a key; it is printed once and cannot be shown again") { tenant, name, store };
        command.SetAction(parse =>
        {
            // Checked before opening, so a typo does not leave a new, empty store behind.
            string tenantName = TenantName.Validate(parse.GetRequiredValue(tenant));
            using var keys = ApiKeyStores.Open(StoreOption.Read(parse, store));
            var created = keys.Create(tenantName, parse.GetValue(name));
            // The key alone on standard output, so `KEY=$(strata keys create ...)` captures just the key.
            context.Output.WriteLine(created.Key);
            context.Error.WriteLine($"Created {created.Record.Id} for tenant '{created.Record.Tenant}' in {keys.Location}.");
            context.Error.WriteLine("Copy the key now: it cannot be shown again (Strata keeps only its hash).");
            return 0;
        });
        return command;
    }

    private static Command ListSubcommand(CliContext context)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's keys" };
        var store = StoreOption.Create();
        var command = new Command("list", "List keys (never the keys themselves: id, tenant, name, prefix, dates)") { tenant, store };
        command.SetAction(parse =>
        {
            var location = StoreOption.Read(parse, store);
            // Listing must not create a store as a side effect, which would also make a running server require keys.
            using var keys = ApiKeyStores.OpenExisting(location);
            if (keys is null)
            {
                context.Output.WriteLine($"No key store at {location}; create a key with `strata keys create --tenant NAME`.");
                return 0;
            }
            var records = keys.List(parse.GetValue(tenant));
            if (records.Count == 0)
            {
                context.Output.WriteLine("No keys.");
                return 0;
            }
            var table = new Table().AddColumn("id").AddColumn("tenant").AddColumn("name").AddColumn("prefix").AddColumn("created").AddColumn("revoked");
            // Piped or captured output has no terminal width to respect, and wrapping at Spectre's default 80 columns
            // would split the ids and prefixes that people copy and scripts grep for.
            if (!context.Console.Profile.Capabilities.Interactive) context.Console.Profile.Width = Math.Max(context.Console.Profile.Width, 240);
            foreach (var r in records)
            {
                table.AddRow(Markup.Escape(r.Id), Markup.Escape(r.Tenant), Markup.Escape(r.Name ?? "-"), Markup.Escape(r.Prefix), Date(r.CreatedAt), Date(r.RevokedAt));
            }
            context.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static Command RevokeSubcommand(CliContext context)
    {
        var key = new Argument<string>("id-or-prefix") { Description = "The key's id (key_…) or its prefix as listed (sk-strata-…)" };
        var store = StoreOption.Create();
        var command = new Command("revoke", "Revoke a key; a running server rejects it from its next request on") { key, store };
        command.SetAction(parse =>
        {
            var location = StoreOption.Read(parse, store);
            string target = parse.GetRequiredValue(key);
            using var keys = ApiKeyStores.OpenExisting(location) ?? throw new FileNotFoundException($"{location}: no key store", location.Description);
            var record = keys.Find(target) ?? throw new KeyNotFoundException($"no key with id or prefix '{target}' in {location}");
            if (record.RevokedAt is { } when)
            {
                context.Output.WriteLine($"{record.Id} (tenant '{record.Tenant}') was already revoked on {Date(when)}.");
                return 0;
            }
            keys.Revoke(record.Id);
            context.Output.WriteLine($"Revoked {record.Id} (tenant '{record.Tenant}', {record.Prefix}).");
            return 0;
        });
        return command;
    }

    private static string Date(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "-";
}
