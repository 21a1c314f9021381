using Strata.Serving.Hosting;

namespace Strata.Serving.Tests.Support;

/// <summary>
/// A real Strata server like <see cref="RunningServer"/>, but its tiny model has an 8192-token context, so one reply can
/// run for many seconds: long enough to stop it mid-stream from a browser (the 512-token model finishes in about one).
/// </summary>
public sealed class LongContextServer : RunningServer
{
    public const int ContextLength = 8192;

    protected override string CreateModelDirectory() =>
        TinyModels.Create(Path.Combine(TestPaths.NewTemporaryDirectory(), "tiny-chat"), ContextLength);
}
