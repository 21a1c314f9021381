using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strata.Serving.Documents;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// <c>/v1/documents</c> over real HTTP with the documents in PostgreSQL: what is uploaded through the server is found by
/// another replica's store at once, and what that replica adds or the server deletes is seen by the other.
/// </summary>
public sealed class PostgresDocumentsEndpointTests(PostgresDocumentServer server) : IClassFixture<PostgresDocumentServer>
{
    private const string Handbook = """
        # Travel policy

        Employees book flights through the travel desk at least two weeks ahead.

        # Expenses

        Receipts are submitted within thirty days. Meals abroad are reimbursed up to sixty euros a day.
        """;

    private static Task<JsonElement> Send(HttpClient client, HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK) =>
        RunningServer.SendAsync(client, method, path, body, expected);

    private static IEnumerable<JsonElement> Hits(JsonElement search) => search.GetProperty("data").EnumerateArray();

    [Fact]
    public async Task UploadSearchAndDeleteAreSharedWithAnotherReplica()
    {
        using var acme = server.ClientFor(server.AcmeKey);
        using var globex = server.ClientFor(server.GlobexKey);
        using var replica = DocumentStores.Open(server.Documents);

        var card = await Send(acme, HttpMethod.Post, "v1/documents", new { name = "handbook.md", text = Handbook });
        string id = card.GetProperty("id").GetString()!;
        Assert.Equal(EncoderServer.TinyEmbedder, card.GetProperty("embedder").GetString());

        // The test reranker has random weights: ask for every candidate so the text match is surely among them.
        var search = await Send(acme, HttpMethod.Post, "v1/documents/search", new { query = "When are receipts submitted?", top_n = 50 });
        Assert.Equal("hybrid+rerank", search.GetProperty("mode").GetString());
        Assert.Contains(Hits(search), h => h.GetProperty("text").GetString()!.Contains("Receipts", StringComparison.Ordinal) && h.GetProperty("text_rank").ValueKind == JsonValueKind.Number);
        string stored = (await Send(acme, HttpMethod.Get, $"v1/documents/{id}?include_text=true")).GetProperty("text").GetString()!;
        Assert.All(Hits(search), h => Assert.Equal(stored[h.GetProperty("start").GetInt32()..h.GetProperty("end").GetInt32()], h.GetProperty("text").GetString()));
        Assert.DoesNotContain(Hits(await Send(globex, HttpMethod.Post, "v1/documents/search", new { query = "receipts submitted thirty days", top_n = 50 })),
            h => h.GetProperty("document_id").GetString() == id);

        // The other replica sees the upload at once, and the server sees what the replica adds.
        Assert.Equal("handbook.md", replica.Find("acme", id)?.Name);
        Assert.Contains(replica.SearchText("acme", "receipts", 5), h => h.DocumentId == id);
        const string memo = "The cafeteria now opens at seven.";
        var added = replica.Add("acme", "memo.txt", "text/plain", memo, [new NewChunk(0, memo.Length, memo, null, null)], null);
        Assert.Contains(Hits(await Send(acme, HttpMethod.Post, "v1/documents/search", new { query = "cafeteria", top_n = 50 })),
            h => h.GetProperty("document_id").GetString() == added.Id);

        await Send(acme, HttpMethod.Delete, $"v1/documents/{id}");
        Assert.Null(replica.Find("acme", id));
        Assert.DoesNotContain(replica.SearchText("acme", "receipts", 5), h => h.DocumentId == id);
        Assert.True(replica.Delete("acme", added.Id));
        await Send(acme, HttpMethod.Get, $"v1/documents/{added.Id}", expected: HttpStatusCode.NotFound);
    }
}
