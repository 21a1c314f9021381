using System.Text.Json;
using Strata.Models.Encoders;
using Strata.Serving.Tests.Keys;

namespace Strata.Serving.Tests.Documents;

/// <summary><c>strata docs</c> run in-process against a temporary SQLite store (PostgreSQL: <see cref="PostgresDocsCommandTests"/>): add, list, search, remove, and its error messages.</summary>
public sealed class DocsCommandTests
{
    private static Task<(int Code, string Output, string Error)> Strata(params string[] args) => KeysCommandTests.Strata(args);

    [Fact]
    public Task AddListSearchRemove() => AssertAddListSearchRemove(Path.Combine(TestPaths.NewTemporaryDirectory(), "documents.db"));

    /// <summary>The whole round on the store named by <paramref name="store"/>, a SQLite path or a PostgreSQL URL.</summary>
    internal static async Task AssertAddListSearchRemove(string store)
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string embedder = Path.Combine(directory, "bert-tiny");
        EncoderPresets.Create("bert-tiny", embedder, seed: 2);
        string handbook = Path.Combine(directory, "handbook.md");
        File.WriteAllText(handbook, "# Travel\n\nFlights are booked two weeks ahead.\n\n# Expenses\n\nReceipts are due within thirty days.\n");
        string notes = Path.Combine(directory, "notes.txt");
        File.WriteAllText(notes, "The cafeteria opens at eight.");

        var add = await Strata("docs", "add", handbook, notes, "--tenant", "acme", "--embedder", $"{embedder}=bge", "--documents", store);
        Assert.True(add.Code == 0, add.Error);
        Assert.Contains("embedded by bge", add.Output);
        string handbookId = add.Output.Split('\n')[0].Split('\t')[0];
        Assert.StartsWith("doc_", handbookId);

        var list = await Strata("docs", "list", "--tenant", "acme", "--json", "--documents", store);
        var rows = JsonDocument.Parse(list.Output).RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["handbook.md", "notes.txt"], rows.Select(r => r.GetProperty("name").GetString()!).Order());
        Assert.All(rows, r => Assert.Equal("bge", r.GetProperty("embedder").GetString()));
        Assert.Equal("No documents.", (await Strata("docs", "list", "--tenant", "globex", "--documents", store)).Output.Trim());

        var search = await Strata("docs", "search", "When are receipts due?", "--tenant", "acme", "--embedder", $"{embedder}=bge", "--documents", store);
        Assert.True(search.Code == 0, search.Error);
        Assert.Contains("retrieval: hybrid", search.Error);
        Assert.Contains("Receipts are due", search.Output);

        var wrongTenant = await Strata("docs", "rm", handbookId, "--tenant", "globex", "--documents", store);
        Assert.Equal(1, wrongTenant.Code);
        var remove = await Strata("docs", "rm", handbookId, "--tenant", "acme", "--documents", store);
        Assert.True(remove.Code == 0, remove.Error);
        var after = await Strata("docs", "search", "receipts", "--tenant", "acme", "--documents", store);
        Assert.Contains("retrieval: bm25", after.Error);
        Assert.DoesNotContain("Receipts", after.Output);
    }

    [Fact]
    public async Task BadFilesAreNamedAndNothingIsStored()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string store = Path.Combine(directory, "documents.db");
        string good = Path.Combine(directory, "good.txt");
        File.WriteAllText(good, "fine");
        string word = Path.Combine(directory, "report.docx");
        File.WriteAllText(word, "not really a docx");

        var unsupported = await Strata("docs", "add", good, word, "--tenant", "acme", "--documents", store);
        Assert.NotEqual(0, unsupported.Code);
        Assert.Contains("report.docx", unsupported.Error);
        var missing = await Strata("docs", "add", Path.Combine(directory, "nope.md"), "--tenant", "acme", "--documents", store);
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("nope.md", missing.Error);
        string broken = Path.Combine(directory, "broken.pdf");
        File.WriteAllText(broken, "%PDF-1.4 broken");
        var unreadable = await Strata("docs", "add", broken, "--tenant", "acme", "--documents", store);
        Assert.NotEqual(0, unreadable.Code);
        Assert.Contains("broken.pdf", unreadable.Error);
        // Files are checked before anything is stored, and a failing file stores nothing.
        Assert.Equal("No documents.", (await Strata("docs", "list", "--tenant", "acme", "--documents", store)).Output.Trim());
        var badTenant = await Strata("docs", "list", "--tenant", "a b", "--documents", store);
        Assert.NotEqual(0, badTenant.Code);
    }
}
