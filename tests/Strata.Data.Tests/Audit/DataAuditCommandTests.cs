using System.Text.Json;
using Strata.Cli;

namespace Strata.Data.Tests.Audit;

public sealed class DataAuditCommandTests
{
    [Fact]
    public async Task Writes_report_and_reports_bad_line()
    {
        string dir = TestPaths.NewTemporaryDirectory();
        string input = Path.Combine(dir, "data.jsonl");
        await System.IO.File.WriteAllLinesAsync(input,
        [
            """{"id":"a","instruction":"Name a primary colour.","output":"Red."}""",
            """{"id":"b","instruction":"Name a primary colour.","output":""}""",
            """{"id":"c", not json""",
        ]);
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await StrataCli.RunAsync(["data", "audit", input, "--top", "5"], output, error);

        Assert.Equal(0, code);
        Assert.Equal("", error.ToString());
        string reportPath = input + ".audit.json";
        using var report = JsonDocument.Parse(await System.IO.File.ReadAllTextAsync(reportPath));
        var suspects = report.RootElement.GetProperty("suspects").EnumerateArray().ToList();
        var bad = Assert.Single(suspects, s => s.GetProperty("findings")[0].GetProperty("reason").GetString() == "invalid_json");
        Assert.Equal(3, bad.GetProperty("line").GetInt32());
        Assert.Equal(1, report.RootElement.GetProperty("reason_counts").GetProperty("empty_answer").GetInt32());
        Assert.Contains("invalid_json", output.ToString());
        Assert.Contains("3 suspect(s) in 3 example(s)", output.ToString());
    }

    [Fact]
    public async Task Missing_file_is_a_clear_error_naming_it()
    {
        string missing = Path.Combine(TestPaths.NewTemporaryDirectory(), "nope.jsonl");
        var error = new StringWriter();

        int code = await StrataCli.RunAsync(["data", "audit", missing], new StringWriter(), error);

        Assert.Equal(1, code);
        Assert.Contains("nope.jsonl", error.ToString());
        Assert.DoesNotContain("--verbose", error.ToString());
    }
}
