using Strata.Serving.Hosting;

namespace Strata.Serving.Tests.Support;

/// <summary>
/// A real Strata server like <see cref="RunningServer"/>, but its tiny model has an 8192-token context, so one reply can
/// run for many seconds: long enough to stop it mid-stream from a browser (the 512-token model finishes in about one).
/// </summary>
public sealed class LongContextServer : IAsyncLifetime
{
    public const int ContextLength = 8192;

    private StrataServer? server;

    public StrataServer Server => server ?? throw new InvalidOperationException("not started");

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public async Task InitializeAsync()
    {
        string model = TinyModels.Create(Path.Combine(TestPaths.NewTemporaryDirectory(), "tiny-chat"), ContextLength);
        server = StrataServer.Create(RunningServer.DefaultOptions(model));
        await server.StartAsync();
        await server.Loading;
        BaseAddress = new Uri(server.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public async Task DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
    }
}
