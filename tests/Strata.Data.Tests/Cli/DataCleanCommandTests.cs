using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Cli;
using Strata.Data.IO;
using Strata.Models.Tokenization;

namespace Strata.Data.Tests.Cli;

/// <summary>
/// <c>strata data clean</c> end to end on the default pipeline: real web pages from <c>../shared</c>, prose with planted
/// exact and near copies, another language, code, junk and an evaluation item leaked into the training text; then
/// <c>strata data tokenize</c> on the result.
/// </summary>
public class DataCleanCommandTests
{
    private const string Prose =
        "The river town was quiet in the early morning, and the fishermen had already gone out to the lake with their nets. " +
        "Along the main street the bakers opened their doors, and the smell of fresh bread drifted over the square where the old " +
        "church stood. Children walked to school in small groups, talking about the storm that had passed during the night and " +
        "the branches that had fallen across the road near the mill. The baker's daughter counted the loaves twice. " +
        "A dog slept in the sun beside the well. By noon the market was full of farmers selling apples, " +
        "cheese and honey, and the town council met in the hall to discuss the repairs that the bridge would need before winter.";

    private const string OtherProse =
        "Our club meets every Thursday evening in the back room of the library on Elm Street. Members bring puzzles, " +
        "trivia cards and sometimes homemade cake, and the librarian lends us the projector for the picture rounds. " +
        "Last week the history round was won by a retired teacher who knew every king of Scotland in order. " +
        "The science round went to two students from the college who had studied astronomy together for years. " +
        "Newcomers are always welcome, and nobody minds if you only come to listen. We finish at nine and walk home together.";

    private const string Leaked = "Which planet in our solar system has the largest number of known moons orbiting around it today";

    [Fact]
    public async Task CleansRealPagesAndPlantedProblemsAndTokenizesTheResult()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string input = Path.Combine(directory, "raw");
        Directory.CreateDirectory(input);
        var pages = Directory.GetFiles(Path.Combine(TestPaths.SharedData, "html-extraction", "html"), "*.html.gz").Order(StringComparer.Ordinal).Take(4).ToArray();
        foreach (string page in pages) File.Copy(page, Path.Combine(input, Path.GetFileName(page)));
        string nearCopy = Prose.Replace("quiet", "calm").Replace("small groups", "little groups");
        // Real source code: this repository's own n-gram hashing.
        string code = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "Strata.Data", "Filters", "WordGrams.cs"));
        Write(Path.Combine(input, "docs.jsonl"),
            new { id = "prose", text = Prose },
            new { id = "exact-copy", text = Prose },
            new { id = "near-copy", text = nearCopy },
            new { id = "german", text = "Der kleine Ort am Fluss war am frühen Morgen still, und die Fischer waren bereits mit ihren Netzen auf den See hinausgefahren. Entlang der Hauptstraße öffneten die Bäcker ihre Türen, und der Duft von frischem Brot zog über den Platz, an dem die alte Kirche stand. Die Kinder gingen in kleinen Gruppen zur Schule und sprachen über den Sturm der letzten Nacht." },
            new { id = "code", text = code },
            new { id = "junk", text = "click here click here click here buy buy buy" },
            new { id = "leak", text = OtherProse.Replace("Last week", "One question was: " + Leaked + "? Last week") });
        string evaluation = Path.Combine(directory, "eval.jsonl");
        Write(evaluation, new { id = "moons-1", question = Leaked, answer = "Saturn" });

        string output = Path.Combine(directory, "clean");
        var (code0, stdout, stderr) = await Run("data", "clean", "--input", input, "--output", output, "--decontaminate", evaluation);
        Assert.True(code0 == 0, stderr);
        Assert.Contains("report:", stdout);

        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "report.json")))!;
        JsonNode Stage(string name) => report["stages"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == name)!;
        Assert.Equal(pages.Length + 7, report["inputs"]!["records"]!.GetValue<long>());
        Assert.True(Stage("language")["removed_by_reason"]!["other_language"]!.GetValue<long>() >= 1);
        Assert.True(Stage("language")["passed_as_code"]!.GetValue<long>() >= 1);
        Assert.Equal(1, Stage("exact_dedup")["removed"]!.GetValue<long>());
        Assert.Equal(1, Stage("minhash_dedup")["removed"]!.GetValue<long>());
        Assert.Equal(1, Stage("decontaminate")["matches"]!["moons-1"]!.GetValue<long>());
        Assert.True(Stage("gopher_quality")["passed_as_code"]!.GetValue<long>() >= 1);

        var kept = Directory.GetFiles(output, "shard-*.jsonl").SelectMany(f => DocumentReader.Read(f)).Select(r => r.Document!).ToList();
        var ids = kept.Select(d => d.Id).ToHashSet();
        Assert.Contains("prose", ids);
        Assert.Contains("code", ids);
        foreach (string gone in new[] { "exact-copy", "near-copy", "german", "junk", "leak" }) Assert.DoesNotContain(gone, ids);
        string removed = string.Concat(Directory.GetFiles(Path.Combine(output, "removed"), "*.jsonl", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Contains("\"id\":\"german\",\"stage\":\"language\",\"reason\":\"other_language\"", removed);
        Assert.Contains("\"id\":\"leak\",\"stage\":\"decontaminate\",\"reason\":\"eval_overlap\"", removed);
        // The pages are extracted: titles in meta, no markup left in the text.
        var extracted = kept.Where(d => d.Meta["source"] is not null).ToList();
        Assert.NotEmpty(extracted);
        Assert.All(extracted, d => Assert.DoesNotContain("<div", d.Text));
        Assert.All(extracted, d => Assert.False(string.IsNullOrWhiteSpace(d.Meta["title"]?.GetValue<string>())));

        // A second run over the same folder finds everything done and changes nothing.
        var before = File.ReadAllText(Directory.GetFiles(output, "shard-*.jsonl").Order(StringComparer.Ordinal).First());
        Assert.Equal(0, (await Run("data", "clean", "--input", input, "--output", output, "--decontaminate", evaluation)).Code);
        Assert.Equal(before, File.ReadAllText(Directory.GetFiles(output, "shard-*.jsonl").Order(StringComparer.Ordinal).First()));

        string tokenizer = Path.Combine(directory, "tokenizer.json");
        BundledTokenizer.SaveTo(tokenizer);
        string data = Path.Combine(directory, "data");
        var (code1, _, stderr1) = await Run("data", "tokenize", "--input", output, "--tokenizer", tokenizer, "--output", data);
        Assert.True(code1 == 0, stderr1);
        Assert.True(new FileInfo(Path.Combine(data, "train.bin")).Length > 0);
    }

    [Fact]
    public async Task AMissingInputIsOneClearError()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        var (code, _, error) = await Run("data", "clean", "--input", Path.Combine(directory, "nope.jsonl"), "--output", Path.Combine(directory, "out"));
        Assert.Equal(1, code);
        Assert.Contains("nope.jsonl", error);
    }

    private static void Write(string path, params object[] lines) =>
        File.WriteAllLines(path, lines.Select(line => JsonSerializer.Serialize(line)));

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
