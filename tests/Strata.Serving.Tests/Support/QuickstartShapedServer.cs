using Strata.Training.Quickstart;

namespace Strata.Serving.Tests.Support;

/// <summary>
/// A real Strata server like <see cref="RunningServer"/>, serving a model shaped like the quickstart dialogue model that
/// the README's <c>strata serve</c> serves: a 128-token context, shorter than the playground's default Max tokens.
/// </summary>
public sealed class QuickstartShapedServer : RunningServer
{
    public static int ContextLength => new QuickstartOptions().ContextLength;

    protected override string CreateModelDirectory() =>
        TinyModels.CreateQuickstartShaped(Path.Combine(TestPaths.NewTemporaryDirectory(), "quickstart-shaped"));
}
