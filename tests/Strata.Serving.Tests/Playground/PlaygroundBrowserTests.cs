using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Strata.Serving.Hosting;
using Strata.Serving.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Strata.Serving.Tests.Playground;

/// <summary>
/// The playground in headless Chromium against a real server: model list, live streaming, conversation history, Stop,
/// stats, errors and the API key. The server's model has a long context so a reply can be stopped mid-stream.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PlaygroundBrowserTests(LongContextServer server, ChromiumBrowser chromium)
    : IClassFixture<LongContextServer>, IClassFixture<ChromiumBrowser>, IAsyncLifetime
{
    private readonly List<string> consoleErrors = [];
    private IPage page = null!;

    private ILocator LastReply => page.GetByTestId("assistant-message").Last;

    public async Task InitializeAsync()
    {
        page = await chromium.NewPageCollectingErrorsAsync(consoleErrors);
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByTestId("model")).ToHaveValueAsync(RunningServer.ModelName);
    }

    public async Task DisposeAsync() => await page.Context.CloseAsync();

    [Fact]
    public async Task PageLoadsTheModelListWithoutConsoleErrors()
    {
        await Expect(page.GetByTestId("model")).ToBeEnabledAsync();
        await Expect(page.Locator("#model-info")).ToHaveTextAsync($"context: {LongContextServer.ContextLength} tokens");
        await Expect(page.GetByLabel("Message")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("error")).ToBeHiddenAsync();
        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task EnterStreamsAReplyThatMatchesTheApiAndTheNextTurnCarriesTheHistory()
    {
        await page.GetByTestId("system").FillAsync("Answer briefly.");
        await page.GetByTestId("max-tokens").FillAsync("24");
        await page.GetByTestId("seed").FillAsync("11");
        await page.GetByTestId("prompt").FillAsync("Hello there");
        var first = await page.RunAndWaitForRequestAsync(
            () => page.GetByTestId("prompt").PressAsync("Enter"), "**/v1/chat/completions");

        await Expect(LastReply).ToHaveAttributeAsync("data-state", "done");
        var reply = LastReply.GetByTestId("reply");
        string text = await reply.TextContentAsync() ?? "";
        Assert.False(string.IsNullOrWhiteSpace(text));
        // Many deltas, appended as they came: the reply was streamed, not delivered whole.
        Assert.True(int.Parse(await reply.GetAttributeAsync("data-deltas") ?? "0") > 1);
        await Expect(LastReply.GetByTestId("stats")).ToContainTextAsync(new Regex(@"TTFT \d+\.\d\d s · \d+(\.\d)? tok/s · \d+ tokens$"));
        await Expect(page.GetByTestId("prompt")).ToHaveValueAsync("");

        // What the page sent, sent again without streaming, gives the same text: no delta lost or garbled in parsing.
        var body = JsonDocument.Parse(first.PostData!).RootElement;
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(11, body.GetProperty("seed").GetInt32());
        Assert.Equal(24, body.GetProperty("max_tokens").GetInt32());
        using var client = server.Client();
        using var whole = await client.PostAsJsonAsync("v1/chat/completions", new
        {
            model = body.GetProperty("model").GetString(),
            messages = body.GetProperty("messages"),
            temperature = body.GetProperty("temperature").GetDouble(),
            top_p = body.GetProperty("top_p").GetDouble(),
            seed = 11,
            max_tokens = 24,
        });
        var completion = await whole.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), text);

        // Shift+Enter is a new line, not a send; the Send button sends, with the whole conversation so far.
        await page.GetByTestId("prompt").FillAsync("Line one");
        await page.GetByTestId("prompt").PressAsync("Shift+Enter");
        await page.GetByTestId("prompt").PressSequentiallyAsync("line two");
        await Expect(page.GetByTestId("assistant-message")).ToHaveCountAsync(1);
        var second = await page.RunAndWaitForRequestAsync(
            () => page.GetByTestId("send").ClickAsync(), "**/v1/chat/completions");
        var messages = JsonDocument.Parse(second.PostData!).RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal([("system", "Answer briefly."), ("user", "Hello there"), ("assistant", text), ("user", "Line one\nline two")], messages);
        await Expect(LastReply).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.GetByTestId("assistant-message")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task StopEndsTheStreamOnTheServerTooAndTheChatStaysUsable()
    {
        // Greedy decoding of this model runs the whole 8000 tokens without an end token: over a minute of streaming.
        await page.GetByTestId("max-tokens").FillAsync("8000");
        await page.GetByTestId("temperature").FillAsync("0");
        await page.GetByTestId("prompt").FillAsync("Go on forever");
        await page.GetByTestId("send").ClickAsync();
        var reply = LastReply.GetByTestId("reply");
        await Expect(reply).ToHaveAttributeAsync("data-deltas", new Regex(@"^([3-9]|\d\d+)$"));
        await Expect(page.GetByTestId("send")).ToBeHiddenAsync();

        await page.GetByTestId("stop").ClickAsync();
        await Expect(LastReply).ToHaveAttributeAsync("data-state", "stopped");
        await Expect(page.GetByTestId("stop")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("send")).ToBeEnabledAsync();
        await Expect(LastReply.GetByTestId("stats")).ToContainTextAsync("stopped");
        int deltas = int.Parse(await reply.GetAttributeAsync("data-deltas") ?? "0");
        Assert.InRange(deltas, 3, 7999);

        // The abort closed the connection, and the server stopped generating (it would otherwise run for a minute).
        var engine = server.Server.Models.Get(RunningServer.ModelName);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (engine.ActiveSequences > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, engine.ActiveSequences);
        await page.WaitForTimeoutAsync(300);
        Assert.Equal(deltas.ToString(System.Globalization.CultureInfo.InvariantCulture), await reply.GetAttributeAsync("data-deltas"));

        await page.GetByTestId("max-tokens").FillAsync("8");
        await page.GetByTestId("prompt").FillAsync("Again");
        await page.GetByTestId("prompt").PressAsync("Enter");
        await Expect(page.GetByTestId("assistant-message")).ToHaveCountAsync(2);
        await Expect(LastReply).ToHaveAttributeAsync("data-state", "done");
        Assert.NotEmpty(await LastReply.GetByTestId("reply").TextContentAsync() ?? "");
    }

    [Fact]
    public async Task AnApiErrorShowsItsMessageAndGivesThePromptBack()
    {
        // A seed beyond 32 bits: the page sends it as typed and the API refuses it (max_tokens can no longer provoke a
        // 400, as the page caps it to what the context leaves).
        await page.GetByTestId("seed").FillAsync("100000000000000000000");
        await page.GetByTestId("prompt").FillAsync("An unusual seed");
        await page.GetByTestId("prompt").PressAsync("Enter");

        await Expect(page.GetByTestId("error")).ToContainTextAsync("invalid value for 'seed'");
        await Expect(page.GetByTestId("error")).ToContainTextAsync("HTTP 400");
        await Expect(page.GetByTestId("prompt")).ToHaveValueAsync("An unusual seed");
        await Expect(page.GetByTestId("assistant-message")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("send")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task OnAServerWithKeysTheKeyIsAskedForRememberedAndSentAsABearerToken()
    {
        const string key = "sk-playground-test";
        await using var keyed = StrataServer.Create(RunningServer.DefaultOptions() with { ApiKeys = [key] });
        await keyed.StartAsync();
        await keyed.Loading;
        await page.GotoAsync(keyed.Addresses.First() + "/");

        // The page itself is open; the API says why it refused, and the page shows that.
        await Expect(page.GetByTestId("error")).ToContainTextAsync("Missing API key");
        await Expect(page.GetByTestId("error")).ToContainTextAsync("HTTP 401");
        await Expect(page.GetByTestId("model")).ToBeDisabledAsync();

        var models = await page.RunAndWaitForRequestAsync(async () =>
        {
            await page.GetByLabel("API key").FillAsync(key);
            await page.GetByLabel("API key").PressAsync("Tab");    // change event: saved, models listed again
        }, "**/v1/models");
        Assert.Equal("Bearer " + key, await models.HeaderValueAsync("authorization"));
        await Expect(page.GetByTestId("model")).ToHaveValueAsync(RunningServer.ModelName);
        await Expect(page.GetByTestId("error")).ToBeHiddenAsync();

        await page.GetByTestId("max-tokens").FillAsync("4");
        await page.GetByTestId("prompt").FillAsync("Hi");
        var chat = await page.RunAndWaitForRequestAsync(() => page.GetByTestId("prompt").PressAsync("Enter"), "**/v1/chat/completions");
        Assert.Equal("Bearer " + key, await chat.HeaderValueAsync("authorization"));
        await Expect(LastReply).ToHaveAttributeAsync("data-state", "done");

        await page.ReloadAsync();
        await Expect(page.GetByLabel("API key")).ToHaveValueAsync(key);
        await Expect(page.GetByTestId("model")).ToHaveValueAsync(RunningServer.ModelName);
    }
}
