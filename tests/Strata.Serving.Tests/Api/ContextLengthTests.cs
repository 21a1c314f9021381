using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// What a client needs to fit a request to a model's context: the context length on the model list, and the chat
/// prompt's token count from <c>/v1/tokenize</c>. The generation endpoints stay strict (a 400 past the context).
/// </summary>
public sealed class ContextLengthTests(RunningServer server) : IClassFixture<RunningServer>
{
    private static readonly object[] Conversation =
    [
        new { role = "system", content = "Answer briefly." },
        new { role = "user", content = "Say it twice: crown" },
        new { role = "assistant", content = "crown crown" },
        new { role = "user", content = "Uppercase: hamlet" },
    ];

    private int ContextLength => server.Server.Models.Get(RunningServer.ModelName).Model.Config.MaxPositionEmbeddings;

    [Fact]
    public async Task ModelsCarryTheContextLengthUnderVllmsNameBesideOpenAisFields()
    {
        using var client = server.Client();
        var list = await client.GetFromJsonAsync<JsonElement>("v1/models");
        var one = await client.GetFromJsonAsync<JsonElement>($"v1/models/{RunningServer.ModelName}");
        foreach (var card in new[] { list.GetProperty("data")[0], one })
        {
            Assert.Equal(
                ["id", "object", "created", "owned_by", "max_model_len", "context_length", "endpoints"],
                card.EnumerateObject().Select(p => p.Name));
            Assert.Equal("model", card.GetProperty("object").GetString());
            Assert.Equal(512, ContextLength);
            Assert.Equal(ContextLength, card.GetProperty("max_model_len").GetInt32());
            Assert.Equal(ContextLength, card.GetProperty("context_length").GetInt32());
            Assert.Equal(["chat", "generate", "embed"], card.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()!));
        }
    }

    [Fact]
    public async Task TokenizeCountsAChatPromptAsTheChatEndpointRunsIt()
    {
        var tokenized = await server.PostJson("v1/tokenize", new { model = RunningServer.ModelName, messages = Conversation });
        int[] tokens = tokenized.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();

        var model = server.Server.Models.Get(RunningServer.ModelName).Model;
        var messages = JsonNode.Parse(JsonSerializer.Serialize(Conversation))!.AsArray();
        Assert.Equal(model.EncodeChatPrompt(messages), tokens);
        Assert.Equal(tokens.Length, tokenized.GetProperty("token_strings").GetArrayLength());
        // More than the text alone: the template's role markers and the assistant turn it opens are counted too.
        var text = await server.PostJson("v1/tokenize", new { model = RunningServer.ModelName, text = "Say it twice: crown" });
        Assert.True(tokens.Length > text.GetProperty("tokens").GetArrayLength() + 10);

        var chat = await server.PostJson("v1/chat/completions", new { model = RunningServer.ModelName, messages = Conversation, max_tokens = 1 });
        Assert.Equal(tokens.Length, chat.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        // The count sizes max_tokens exactly: all the room left is accepted, one token more is refused.
        int room = ContextLength - tokens.Length;
        var full = await server.PostJson("v1/chat/completions", new { model = RunningServer.ModelName, messages = Conversation, max_tokens = room, temperature = 0 });
        Assert.True(full.GetProperty("usage").GetProperty("completion_tokens").GetInt32() <= room);
        using var client = server.Client();
        using var over = await client.PostAsJsonAsync("v1/chat/completions", new { model = RunningServer.ModelName, messages = Conversation, max_tokens = room + 1 });
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        var error = (await over.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("max_tokens", error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("""{"model":"tiny-chat","text":"hi","messages":[{"role":"user","content":"hi"}]}""", "messages")]
    [InlineData("""{"model":"tiny-chat","messages":[]}""", "messages")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"tiny-chat"}""", "text")]
    public async Task TokenizeRefusesAmbiguousOrMalformedInput(string json, string param)
    {
        using var client = server.Client();
        using var response = await client.PostAsync("v1/tokenize", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(param, body.GetProperty("param").GetString());
    }
}
