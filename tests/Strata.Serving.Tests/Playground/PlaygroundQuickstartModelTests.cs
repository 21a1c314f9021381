using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Strata.Serving.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Strata.Serving.Tests.Playground;

/// <summary>
/// The playground as a newcomer first meets it: the README's <c>strata serve</c> serves the quickstart dialogue model,
/// whose 128-token context is shorter than the page's default Max tokens (256). The page must size each request to
/// what the context leaves, since the API (like OpenAI's and vLLM's) refuses a prompt plus max_tokens it cannot hold.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PlaygroundQuickstartModelTests(QuickstartShapedServer server, ChromiumBrowser chromium)
    : IClassFixture<QuickstartShapedServer>, IClassFixture<ChromiumBrowser>, IAsyncLifetime
{
    private readonly List<string> consoleErrors = [];
    private readonly List<string> chatRequests = [];
    private IPage page = null!;

    private ILocator LastReply => page.GetByTestId("assistant-message").Last;

    public async Task InitializeAsync()
    {
        // A refused fetch (a 400) is logged as a console error too, so this also catches requests the API turned down.
        page = await chromium.NewPageCollectingErrorsAsync(consoleErrors);
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/v1/chat/completions", StringComparison.Ordinal)) chatRequests.Add(request.PostData ?? "");
        };
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByTestId("model")).ToHaveValueAsync(RunningServer.ModelName);
        await Expect(page.Locator("#model-info")).ToHaveTextAsync($"context: {QuickstartShapedServer.ContextLength} tokens");
    }

    public async Task DisposeAsync() => await page.Context.CloseAsync();

    [Fact]
    public async Task TheFirstMessageStreamsAReplyWithMaxTokensCappedToWhatTheContextLeaves()
    {
        Assert.Equal(128, QuickstartShapedServer.ContextLength);
        await Expect(page.GetByTestId("max-tokens")).ToHaveValueAsync("256"); // the page's default, twice the context
        // Only to make the sampled reply repeatable; max_tokens does not depend on it.
        await page.GetByTestId("seed").FillAsync("7");
        await page.GetByTestId("prompt").FillAsync("Hello! Who are you?");
        var request = await page.RunAndWaitForRequestAsync(
            () => page.GetByTestId("prompt").PressAsync("Enter"), "**/v1/chat/completions");

        await Expect(LastReply).ToHaveAttributeAsync("data-state", "done");
        await Expect(page.GetByTestId("error")).ToBeHiddenAsync();
        var reply = LastReply.GetByTestId("reply");
        Assert.False(string.IsNullOrEmpty(await reply.TextContentAsync()));
        Assert.True(int.Parse(await reply.GetAttributeAsync("data-deltas") ?? "0") > 1); // streamed, not delivered whole

        // The page asked for exactly what the context leaves after the prompt, counted here with the model's template.
        var body = JsonDocument.Parse(request.PostData!).RootElement;
        var messages = JsonNode.Parse(body.GetProperty("messages").GetRawText())!.AsArray();
        int promptTokens = server.Server.Models.Get(RunningServer.ModelName).Model.EncodeChatPrompt(messages).Count;
        int maxTokens = body.GetProperty("max_tokens").GetInt32();
        Assert.Equal(QuickstartShapedServer.ContextLength - promptTokens, maxTokens);
        await Expect(LastReply.GetByTestId("stats")).ToContainTextAsync($"capped at {maxTokens} by the context");
        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task AMessageTheContextCannotHoldIsExplainedAndNeverSent()
    {
        string message = string.Join(' ', Enumerable.Repeat("Tell me about the crown of Denmark.", 20));
        await page.GetByTestId("prompt").FillAsync(message);
        await page.GetByTestId("prompt").PressAsync("Enter");

        var error = page.GetByTestId("error");
        await Expect(error).ToContainTextAsync($"holds {QuickstartShapedServer.ContextLength} tokens in all");
        await Expect(error).ToContainTextAsync("no room for a reply");
        await Expect(page.GetByTestId("prompt")).ToHaveValueAsync(message);
        await Expect(page.GetByTestId("assistant-message")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("send")).ToBeEnabledAsync();
        Assert.Empty(chatRequests);
        Assert.Empty(consoleErrors);

        // A short message afterwards goes through: the refused one left nothing behind in the conversation.
        await page.GetByTestId("prompt").FillAsync("Hi");
        await page.GetByTestId("prompt").PressAsync("Enter");
        await Expect(LastReply).ToHaveAttributeAsync("data-state", "done");
        await Expect(error).ToBeHiddenAsync();
        var sent = JsonDocument.Parse(Assert.Single(chatRequests)).RootElement.GetProperty("messages");
        Assert.Equal(1, sent.GetArrayLength());
    }
}
