using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Strata.Serving.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Strata.Serving.Tests.Playground;

/// <summary>
/// The arena and its leaderboard in headless Chromium against a real server with two models: both panes stream, the
/// conversation goes on for several turns, the models' names appear only after the vote, and the vote shows on the
/// leaderboard.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ArenaBrowserTests(ArenaServer server, ChromiumBrowser chromium)
    : IClassFixture<ArenaServer>, IClassFixture<ChromiumBrowser>, IAsyncLifetime
{
    private readonly List<string> consoleErrors = [];
    private IPage page = null!;

    public async Task InitializeAsync() => page = await chromium.NewPageCollectingErrorsAsync(consoleErrors);

    public async Task DisposeAsync() => await page.Context.CloseAsync();

    private ILocator Answers(string side) => page.GetByTestId("transcript-" + side).GetByTestId("answer");

    private async Task SendAsync(string message, int turn)
    {
        await page.GetByTestId("prompt").FillAsync(message);
        await page.GetByTestId("prompt").PressAsync("Enter");
        foreach (string side in new[] { "a", "b" })
        {
            await Expect(Answers(side)).ToHaveCountAsync(turn);
            await Expect(Answers(side).Last).ToHaveAttributeAsync("data-state", "done");
        }
        await Expect(page.GetByTestId("send")).ToBeEnabledAsync();
    }

    private async Task<int> CountedVotesAsync()
    {
        await page.GotoAsync(server.BaseAddress + "arena/leaderboard");
        var summary = page.GetByTestId("summary");
        await Expect(summary).ToHaveAttributeAsync("data-total", new Regex(@"^\d+$"));
        return int.Parse(await summary.GetAttributeAsync("data-total") ?? "", System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task AVoteRevealsTheModelsAndShowsOnTheLeaderboard()
    {
        int before = await CountedVotesAsync();

        await page.GotoAsync(server.BaseAddress + "arena");
        await Expect(page.GetByTestId("vote-a")).ToBeDisabledAsync();
        await SendAsync("Hello, who are you?", 1);
        await SendAsync("Tell me a short story.", 2);
        foreach (string side in new[] { "a", "b" })
        {
            await Expect(page.GetByTestId("transcript-" + side).GetByTestId("user-message")).ToHaveTextAsync(["Hello, who are you?", "Tell me a short story."]);
            await Expect(page.GetByTestId("identity-" + side)).ToBeHiddenAsync();
        }
        // Before the vote the page knows nothing of the models: their names are nowhere in it.
        string html = await page.ContentAsync();
        foreach (string name in ArenaServer.ModelNames) Assert.DoesNotContain(name, html, StringComparison.OrdinalIgnoreCase);

        await page.GetByTestId("vote-b").ClickAsync();
        await Expect(page.GetByTestId("verdict")).ToContainTextAsync("You voted: B is better.");
        string a = await page.GetByTestId("identity-a").TextContentAsync() ?? "";
        string b = await page.GetByTestId("identity-b").TextContentAsync() ?? "";
        Assert.Equal(ArenaServer.ModelNames.Order(), new[] { a, b }.Order());
        await Expect(page.GetByTestId("verdict")).ToContainTextAsync($"Model A was {a}; model B was {b}.");
        // The battle is over: no more turns or votes, until a new one starts.
        await Expect(page.GetByTestId("vote-a")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("send")).ToBeDisabledAsync();
        await page.GetByTestId("new-battle").ClickAsync();
        await Expect(page.GetByTestId("identity-a")).ToBeHiddenAsync();
        await Expect(Answers("a")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("send")).ToBeEnabledAsync();

        Assert.Equal(before + 1, await CountedVotesAsync());
        var rows = page.GetByTestId("entries").GetByTestId("entry");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("entries")).ToContainTextAsync(a);
        await Expect(page.GetByTestId("entries")).ToContainTextAsync(b);
        await Expect(page.GetByTestId("intervals").Locator("line.interval")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("win-rates")).ToBeVisibleAsync();

        // Style control asks again, and says so.
        await page.RunAndWaitForRequestAsync(() => page.GetByTestId("style-control").CheckAsync(), new Regex("/v1/arena/leaderboard\\?style_control=true$"));
        await Expect(page.GetByTestId("summary")).ToContainTextAsync("style controlled");
        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task TheLeaderboardSaysWhenThereAreNoVotesAndThePlaygroundLinksBothPages()
    {
        await page.GotoAsync(server.BaseAddress.ToString());
        await page.GetByTestId("arena-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/arena$"));
        await page.GetByTestId("leaderboard-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/arena/leaderboard$"));
        await Expect(page.GetByTestId("summary")).Not.ToHaveTextAsync("loading…");
        if (await page.GetByTestId("summary").GetAttributeAsync("data-total") == "0")
        {
            await Expect(page.GetByTestId("summary")).ToContainTextAsync("No counted votes yet");
            await Expect(page.GetByTestId("entries")).ToBeHiddenAsync();
        }
        Assert.Empty(consoleErrors);
    }
}
