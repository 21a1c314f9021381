namespace Strata.Serving.Tests;

public sealed class ServingAssemblyTests
{
    [Fact]
    public void AssemblyIsNamedForTheLayer() => Assert.Equal("Strata.Serving", ServingAssembly.Assembly.GetName().Name);
}
