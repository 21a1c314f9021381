using Microsoft.Playwright;

namespace Strata.Serving.Tests.Support;

/// <summary>
/// Headless Chromium driven by Playwright (xunit class fixture). It uses the system's Chromium (Debian's
/// <c>chromium</c> package; <c>./test.sh</c> installs it) rather than a browser Playwright downloads, so the tests run
/// offline. <c>STRATA_CHROMIUM</c> points elsewhere, e.g. at a Chrome on another OS.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    public const string DefaultExecutable = "/usr/bin/chromium";

    private IPlaywright? playwright;
    private IBrowser? browser;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("not started");

    public static string Executable => Environment.GetEnvironmentVariable("STRATA_CHROMIUM") is { Length: > 0 } path ? path : DefaultExecutable;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException(
                $"Chromium is not at {Executable}: run the tests with ./test.sh, which installs it, or set STRATA_CHROMIUM.");
        }
        // Expect() waits 5 s by default; the whole suite on two busy cores can take longer to stream a reply.
        Assertions.SetDefaultExpectTimeout(30_000);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Executable,
            // --no-sandbox: CI runs as root, where Chromium refuses its sandbox. --disable-dev-shm-usage: containers'
            // small /dev/shm crashes renderers (Debian's launcher means to add it, but its size check misfires).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh page in its own context (own local storage), which closes with the context.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync();
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new page whose console errors and uncaught page errors are collected in <paramref name="errors"/>.</summary>
    public async Task<IPage> NewPageCollectingErrorsAsync(List<string> errors)
    {
        var page = await NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") errors.Add(message.Text);
        };
        page.PageError += (_, error) => errors.Add(error);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (browser is not null) await browser.CloseAsync();
        playwright?.Dispose();
    }
}
