using System.Text.Json.Nodes;
using Strata.Data;

namespace Strata.Data.Tests;

public class DocumentTests
{
    [Fact]
    public void ContentKindComesFromMeta()
    {
        var prose = new Document("a", "text", new JsonObject());
        var code = new Document("b", "int x;", new JsonObject { [Document.ContentKindKey] = ContentKinds.Code });
        Assert.Null(prose.ContentKind);
        Assert.False(prose.IsCode);
        Assert.True(code.IsCode);
        Assert.Equal("int x;", code.WithText("int x;").Text);
    }
}
