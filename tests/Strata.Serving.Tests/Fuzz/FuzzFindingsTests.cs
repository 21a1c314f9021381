using System.Net;
using System.Text;
using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Fuzz;

/// <summary>
/// What the endpoint fuzzer found, pinned as plain requests. Strings that are not Unicode text (raw invalid UTF-8,
/// or escapes of unpaired surrogates) passed the serializer inside fields kept as raw JSON (content, prompt, input,
/// stop, tool_calls) and threw when an endpoint read them: a 500 with an empty body instead of a 400.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class FuzzFindingsTests(RunningServer server) : IClassFixture<RunningServer>
{
    [Theory]
    [InlineData("v1/chat/completions", """{"model":"tiny-chat","messages":[{"role":"user","content":"\ud800"}],"max_tokens":2}""", "content")]
    [InlineData("v1/chat/completions", """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"stop":["\udc00"],"max_tokens":2}""", "stop")]
    [InlineData("v1/chat/completions", """{"model":"tiny-chat","messages":[{"role":"assistant","tool_calls":[{"id":"<FF>"}]},{"role":"user","content":"x"}],"max_tokens":2}""", "id")]
    [InlineData("v1/completions", """{"model":"tiny-chat","prompt":"ab<FF>","max_tokens":2}""", "prompt")]
    [InlineData("v1/embeddings", """{"model":"tiny-chat","input":["ok","\udfff"]}""", "input")]
    [InlineData("v1/embeddings", """{"model":"tiny-chat","input":"the crown<C3>("}""", "input")]
    [InlineData("v2/chat", """{"model":"tiny-chat","messages":[{"role":"user","content":[{"type":"text","text":"<ED><A0><80>"}]}],"max_tokens":2}""", "text")]
    [InlineData("v2/chat", """{"model":"tiny-chat","messages":[{"role":"user","content":"\ud800"}],"max_tokens":2}""", "content")]
    public async Task StringsThatAreNotUnicodeTextAreA400NamingTheField(string path, string json, string field)
    {
        using var client = server.Client();
        using var content = new ByteArrayContent(WithRawBytes(json));
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync(path, content);

        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        var root = JsonDocument.Parse(body).RootElement;
        var error = path.StartsWith("v2", StringComparison.Ordinal) ? root : root.GetProperty("error");
        Assert.Contains("not valid Unicode text", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(field, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task ValidSurrogatePairsAndNonAsciiTextStillPass()
    {
        // The check refuses broken text only: an escaped pair (😀) and raw multi-byte UTF-8 are ordinary input.
        var body = await server.PostJson("v1/tokenize", new { model = RunningServer.ModelName, text = "naïve 😀" });
        Assert.True(body.GetProperty("tokens").GetArrayLength() > 0);
        using var client = server.Client();
        using var content = new StringContent("""{"model":"tiny-chat","input":"\ud83d\ude00 crown"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("v1/embeddings", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>UTF-8 of <paramref name="json"/> with each <c>&lt;XX&gt;</c> replaced by the raw byte 0xXX.</summary>
    private static byte[] WithRawBytes(string json)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < json.Length; i++)
        {
            if (json[i] == '<' && i + 3 < json.Length && json[i + 3] == '>')
            {
                bytes.Add(Convert.ToByte(json.Substring(i + 1, 2), 16));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(json[i].ToString()));
            }
        }
        return bytes.ToArray();
    }
}
