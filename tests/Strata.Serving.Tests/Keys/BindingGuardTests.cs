using Strata.Serving.Security;

namespace Strata.Serving.Tests.Keys;

/// <summary>No unauthenticated server beyond loopback.</summary>
public sealed class BindingGuardTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("https://127.0.0.1")]
    [InlineData("http://localhost:5000")]
    [InlineData("http://LocalHost:5000/")]
    [InlineData("http://[::1]:5000")]
    [InlineData("[::1]")]
    [InlineData("::1")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:9000")]
    [InlineData("localhost")]
    [InlineData("http://127.0.0.2:1")]
    [InlineData("http://unix:/run/strata.sock")]
    public void LoopbackIsAllowedWithoutKeys(string url) => BindingGuard.EnsureSafe([url], authenticationRequired: false);

    [Theory]
    [InlineData("http://0.0.0.0:8080", "0.0.0.0")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("0.0.0.0:8080", "0.0.0.0")]
    [InlineData("http://*:80", "*")]
    [InlineData("http://+:80", "+")]
    [InlineData("http://[::]:8080", "::")]
    [InlineData("::", "::")]
    [InlineData("http://192.168.1.5:8080", "192.168.1.5")]
    [InlineData("http://example.com", "example.com")]
    [InlineData("http://localhost.example.com:80", "localhost.example.com")]
    [InlineData("http://[::ffff:10.0.0.1]:80", "::ffff:10.0.0.1")]
    public void AnythingElseNeedsKeys(string url, string host)
    {
        var e = Assert.Throws<InvalidOperationException>(() => BindingGuard.EnsureSafe([url], authenticationRequired: false));
        Assert.Equal($"refusing to listen on {host} without API keys; create one with `strata keys create --tenant NAME` or pass --api-keys", e.Message);
        BindingGuard.EnsureSafe([url], authenticationRequired: true);
    }

    [Fact]
    public void OneExposedAddressAmongLoopbackOnesIsEnough()
    {
        Assert.Throws<InvalidOperationException>(() =>
            BindingGuard.EnsureSafe(["http://127.0.0.1:8080", "http://0.0.0.0:8081", "http://[::1]:8080"], authenticationRequired: false));
        BindingGuard.EnsureSafe([], authenticationRequired: false);
        BindingGuard.EnsureSafe(["", "  "], authenticationRequired: false);
    }
}
