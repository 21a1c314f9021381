using System.Text.Json.Nodes;
using Parquet.Serialization;
using Strata.Data.IO;

namespace Strata.Data.Tests.IO;

public class ParquetValuesTests
{
    public sealed class Row
    {
        public string? id { get; set; }
        public string? text { get; set; }
        public string[] tags { get; set; } = [];
        public int[] counts { get; set; } = [];
    }

    [Fact]
    public async Task ListColumnsBecomeJsonArraysOfTheirValues()
    {
        string file = Path.Combine(TestPaths.NewTemporaryDirectory(), "rows.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new Row { id = "a", text = "body", tags = ["blue", "green"], counts = [1, 2] } }, file);
        var document = Assert.Single(DocumentReader.Read(file)).Document!;
        Assert.Equal("""["blue","green"]""", document.Meta["tags"]!.ToJsonString());
        Assert.Equal("[1,2]", document.Meta["counts"]!.ToJsonString());
        Assert.Null(ParquetValues.ToJson(null));
        Assert.Equal("\"x\"", ParquetValues.ToJson("x".AsMemory())!.ToJsonString());
        Assert.IsType<JsonObject>(ParquetValues.ToJson(new Dictionary<string, object> { ["k"] = 1 }));
    }
}
