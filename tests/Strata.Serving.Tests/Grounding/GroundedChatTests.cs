using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Strata.Serving.Grounding;
using Strata.Serving.Security;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Grounding;

/// <summary>
/// /v2/chat with documents over real HTTP: the documents reach the prompt, citations come back in Cohere's shape with
/// spans into the answer, streamed as citation events; "documents": "auto" retrieves from the caller's tenant only.
/// </summary>
public sealed class GroundedChatTests(DocumentServer server) : IClassFixture<DocumentServer>
{
    private static readonly object[] Documents =
    [
        new { id = "travel", data = new { title = "Travel", snippet = "Employees book flights through the travel desk two weeks ahead." } },
        "Receipts are submitted within thirty days.",
    ];

    private static object Chat(object? documents, bool stream = false, string? mode = null) => new
    {
        model = RunningServer.ModelName,
        messages = new[] { new { role = "user", content = "How do I book a flight?" } },
        documents,
        citation_options = mode is null ? null : new { mode },
        max_tokens = 24,
        temperature = 0,
        stream,
    };

    [Fact]
    public async Task DocumentsReachThePromptAndCitationsPointIntoTheAnswer()
    {
        using var client = server.ClientFor(server.AcmeKey);
        var plain = await Post(client, Chat(null));
        var grounded = await Post(client, Chat(Documents, mode: "fast"));
        Assert.True(Tokens(grounded) > Tokens(plain) + 20, "the documents should be part of the prompt");
        string text = grounded.GetProperty("message").GetProperty("content")[0].GetProperty("text").GetString()!;
        var citations = grounded.GetProperty("message").GetProperty("citations").EnumerateArray().ToArray();
        foreach (var citation in citations)
        {
            int start = citation.GetProperty("start").GetInt32(), end = citation.GetProperty("end").GetInt32();
            Assert.Equal(text[start..end], citation.GetProperty("text").GetString());
            Assert.All(citation.GetProperty("sources").EnumerateArray(), s => Assert.Contains(s.GetProperty("id").GetString(), new[] { "travel", "doc:1" }));
        }
    }

    [Fact]
    public async Task StreamedAnswerMatchesTheWholeOneAndCarriesItsCitationEventsBeforeContentEnd()
    {
        using var client = server.ClientFor(server.AcmeKey);
        var whole = await Post(client, Chat(Documents, mode: "fast"));
        using var response = await client.PostAsJsonAsync("v2/chat", Chat(Documents, stream: true, mode: "fast"));
        string body = await response.Content.ReadAsStringAsync();
        var events = body.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToList();
        int contentEnd = events.IndexOf("content-end");
        Assert.True(contentEnd > 0, body);
        Assert.All(events.Select((e, i) => (e, i)).Where(x => x.e.StartsWith("citation-", StringComparison.Ordinal)), x => Assert.True(x.i < contentEnd && x.i > events.LastIndexOf("content-delta")));
        int expected = whole.GetProperty("message").GetProperty("citations").GetArrayLength();
        Assert.Equal(expected, events.Count(e => e == "citation-start"));
        Assert.Equal(expected, events.Count(e => e == "citation-end"));
    }

    [Fact]
    public async Task OpenAiChatWithDocumentsAnswersWithAnnotationsAndWithoutThemHasNone()
    {
        using var client = server.ClientFor(server.AcmeKey);
        var request = new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "How do I book a flight?" } },
            documents = Documents,
            max_tokens = 16,
            temperature = 0,
        };
        using var grounded = await client.PostAsJsonAsync("v1/chat/completions", request);
        var message = JsonDocument.Parse(await grounded.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(JsonValueKind.Array, message.GetProperty("annotations").ValueKind);
        using var plain = await client.PostAsJsonAsync("v1/chat/completions", new { request.model, request.messages, request.max_tokens, request.temperature });
        var plainMessage = JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.False(plainMessage.TryGetProperty("annotations", out _));
        Assert.Equal(HttpStatusCode.OK, grounded.StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"documents":[1]}""", "documents[0]")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"documents":"everything"}""", "documents")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"documents":["a"],"citation_options":{"mode":"loose"}}""", "citation_options.mode")]
    public async Task BadDocumentsAndOptionsAre400sNamingTheField(string json, string field)
    {
        using var client = server.ClientFor(server.AcmeKey);
        using var response = await client.PostAsync("v2/chat", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal(field, JsonDocument.Parse(text).RootElement.GetProperty("param").GetString());
    }

    [Fact]
    public async Task AutoRetrievesFromTheCallersTenantOnly()
    {
        using (var acme = server.ClientFor(server.AcmeKey))
        {
            var upload = await acme.PostAsJsonAsync("v1/documents", new { name = "falcon.txt", text = "Project Falcon: booking flights for the acquisition team goes through Anna." });
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }
        var messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Who books flights for Project Falcon?" });
        var asAcme = await GroundedChat.ResolveAsync(Context("acme"), JsonDocument.Parse("\"auto\"").RootElement, messages);
        var asGlobex = await GroundedChat.ResolveAsync(Context("globex"), JsonDocument.Parse("\"auto\"").RootElement, messages);
        Assert.Contains(asAcme, d => d.Text.Contains("Project Falcon", StringComparison.Ordinal));
        Assert.DoesNotContain(asGlobex, d => d.Text.Contains("Falcon", StringComparison.Ordinal));

        using var client = server.ClientFor(server.AcmeKey);
        var chat = await Post(client, Chat("auto"));
        Assert.Equal(JsonValueKind.Array, chat.GetProperty("message").GetProperty("citations").ValueKind);
    }

    private HttpContext Context(string tenant)
    {
        var services = new ServiceCollection().AddSingleton(server.Server.Documents!).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Items[ApiKeyMiddleware.TenantItem] = tenant;
        return context;
    }

    private static async Task<JsonElement> Post(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("v2/chat", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static int Tokens(JsonElement chat) => chat.GetProperty("usage").GetProperty("tokens").GetProperty("input_tokens").GetInt32();
}
