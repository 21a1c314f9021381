using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Strata.Data.Extraction;
using Strata.Serving.Documents;
using Strata.Serving.Registry;
using Strata.Serving.Security;

namespace Strata.Cli.Commands;

/// <summary>
/// <c>strata docs add|list|rm|search</c>: a tenant's documents in the server's document store, edited directly (the
/// server sees changes at once). Chunks are embedded when <c>--embedder</c> names the encoder folder the server uses.
/// </summary>
internal static class DocsCommand
{
    public static Command Create(CliContext context) => new("docs", "Manage tenants' documents for grounded answers and retrieval")
    {
        AddSubcommand(context),
        ListSubcommand(context),
        RemoveSubcommand(context),
        SearchSubcommand(context),
    };

    private static Option<string> TenantOption() => new("--tenant") { Description = "Tenant the documents belong to", Required = true };

    private static Option<string?> EmbedderOption() => new("--embedder")
    {
        Description = "Encoder folder that embeds chunks and queries, optionally DIR=NAME with the name the server serves it under (default: no vectors, BM25 only)",
        HelpName = "DIR[=NAME]",
    };

    private static ServedEncoder? LoadEmbedder(string? value)
    {
        if (value is null) return null;
        int equals = value.LastIndexOf('=');
        return equals > 0 ? ServedEncoder.Load(value[..equals], value[(equals + 1)..]) : ServedEncoder.Load(value);
    }

    private static Command AddSubcommand(CliContext context)
    {
        var files = new Argument<string[]>("FILE") { Description = "Text, Markdown, HTML or PDF files", Arity = ArgumentArity.OneOrMore };
        var tenant = TenantOption();
        var embedder = EmbedderOption();
        var documents = DocumentsOption.Create();
        var command = new Command("add", "Add files to a tenant's documents: extracted, chunked by structure, embedded") { files, tenant, embedder, documents };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string tenantName = TenantName.Validate(parse.GetRequiredValue(tenant));
            var paths = parse.GetRequiredValue(files);
            foreach (string path in paths)
            {
                if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
                if (DocumentText.MediaTypeOf(path) is null) throw new ArgumentException($"{path}: not a supported file type (.txt, .md, .html, .pdf)");
            }
            using var encoder = LoadEmbedder(parse.GetValue(embedder));
            using var store = DocumentStores.Open(DocumentsOption.Read(parse, documents));
            var ingestion = new DocumentIngestion(store, encoder);
            foreach (string path in paths)
            {
                StoredDocument stored;
                try
                {
                    stored = await ingestion.AddAsync(tenantName, Path.GetFileName(path), DocumentText.MediaTypeOf(path)!, await File.ReadAllBytesAsync(path, cancellationToken), cancellationToken);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"{path}: {e.Message}", e);
                }
                context.Output.WriteLine($"{stored.Id}\t{stored.Name}\t{stored.Characters:N0} characters\t{stored.Chunks} chunks{(stored.Embedder is null ? "" : $"\tembedded by {stored.Embedder}")}");
            }
            return 0;
        });
        return command;
    }

    private static Command ListSubcommand(CliContext context)
    {
        var tenant = TenantOption();
        var documents = DocumentsOption.Create();
        var json = new Option<bool>("--json") { Description = "JSON (as GET /v1/documents answers) instead of a table" };
        var command = new Command("list", "List a tenant's documents, newest first") { tenant, documents, json };
        command.SetAction(parse =>
        {
            using var store = DocumentStores.Open(DocumentsOption.Read(parse, documents));
            var list = store.List(TenantName.Validate(parse.GetRequiredValue(tenant)), limit: 10_000);
            if (parse.GetValue(json))
            {
                // The shape GET /v1/documents answers.
                context.Output.WriteLine(JsonSerializer.Serialize(new
                {
                    @object = "list",
                    data = list.Select(d => new
                    {
                        id = d.Id,
                        @object = "document",
                        name = d.Name,
                        media_type = d.MediaType,
                        characters = d.Characters,
                        chunks = d.Chunks,
                        embedder = d.Embedder,
                        created_at = d.CreatedAt.ToUnixTimeSeconds(),
                    }),
                }));
                return 0;
            }
            if (list.Count == 0)
            {
                context.Output.WriteLine("No documents.");
                return 0;
            }
            var table = new Table().AddColumns("id", "name", "type", "characters", "chunks", "embedder", "added");
            foreach (var d in list)
            {
                table.AddRow(Markup.Escape(d.Id), Markup.Escape(d.Name), d.MediaType, d.Characters.ToString("N0", CultureInfo.InvariantCulture),
                    d.Chunks.ToString(CultureInfo.InvariantCulture), Markup.Escape(d.Embedder ?? "-"), d.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            }
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Output), Ansi = AnsiSupport.No });
            console.Write(table);
            return 0;
        });
        return command;
    }

    private static Command RemoveSubcommand(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "Document id (doc_…)" };
        var tenant = TenantOption();
        var documents = DocumentsOption.Create();
        var command = new Command("rm", "Delete a document with its chunks and vectors") { id, tenant, documents };
        command.SetAction(parse =>
        {
            using var store = DocumentStores.Open(DocumentsOption.Read(parse, documents));
            string documentId = parse.GetRequiredValue(id);
            if (!store.Delete(TenantName.Validate(parse.GetRequiredValue(tenant)), documentId))
            {
                context.Error.WriteLine($"No document '{documentId}' for tenant '{parse.GetRequiredValue(tenant)}'.");
                return 1;
            }
            context.Output.WriteLine($"Deleted {documentId}.");
            return 0;
        });
        return command;
    }

    private static Command SearchSubcommand(CliContext context)
    {
        var query = new Argument<string>("QUERY") { Description = "What to look for" };
        var tenant = TenantOption();
        var embedder = EmbedderOption();
        var reranker = new Option<string?>("--reranker") { Description = "Cross-encoder folder that reorders the results", HelpName = "DIR" };
        var top = new Option<int>("--top") { Description = "Chunks to show", DefaultValueFactory = _ => 5 };
        var documents = DocumentsOption.Create();
        var command = new Command("search", "Retrieve a tenant's best chunks for a query (BM25, + vectors and rerank when given)") { query, tenant, embedder, reranker, top, documents };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var encoder = LoadEmbedder(parse.GetValue(embedder));
            using var rerankModel = parse.GetValue(reranker) is string path ? ServedEncoder.Load(path) : null;
            using var store = DocumentStores.Open(DocumentsOption.Read(parse, documents));
            var result = await new Retriever(store, encoder, rerankModel).RetrieveAsync(TenantName.Validate(parse.GetRequiredValue(tenant)),
                parse.GetRequiredValue(query), new RetrievalOptions(TopN: parse.GetValue(top)), cancellationToken);
            context.Error.WriteLine($"retrieval: {result.Mode}");
            foreach (var c in result.Chunks)
            {
                context.Output.WriteLine($"{c.Chunk.DocumentId} {c.Chunk.DocumentName} [{c.Chunk.Start}, {c.Chunk.End}) {c.RerankScore ?? c.Score:F4}");
                context.Output.WriteLine("  " + c.Chunk.Text.ReplaceLineEndings(" ")[..Math.Min(c.Chunk.Text.Length, 200)]);
            }
            return 0;
        });
        return command;
    }
}
