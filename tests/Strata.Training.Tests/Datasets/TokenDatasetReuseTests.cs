using Strata.Training.Datasets;
using static Strata.Training.Tests.Datasets.DataTestSupport;

namespace Strata.Training.Tests.Datasets;

public sealed class TokenDatasetReuseTests
{
    private static readonly DateTime LongAgo = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
    private static readonly string[] OutputFiles = ["train.bin", "val.bin", "meta.json"];

    private static (string Input, string Output) NewDataset(string text)
    {
        string directory = NewDirectory();
        string input = Path.Combine(directory, "doc.txt");
        File.WriteAllText(input, text);
        string output = Path.Combine(directory, "out");
        Build([input], output);
        // Backdate the outputs so any rewrite is visible whatever the file system's timestamp resolution.
        foreach (string name in OutputFiles) File.SetLastWriteTimeUtc(Path.Combine(output, name), LongAgo);
        return (input, output);
    }

    private static bool Rewritten(string output, string name) => File.GetLastWriteTimeUtc(Path.Combine(output, name)) != LongAgo;

    [Fact]
    public void Second_build_of_unchanged_sources_reuses_the_files()
    {
        var (input, output) = NewDataset("Hello there, general Kenobi. You are a bold one.");
        string metaBefore = File.ReadAllText(Path.Combine(output, "meta.json"));
        var progress = new RecordingProgress();

        var info = Build([input], output, progress: progress);

        Assert.All(OutputFiles, name => Assert.False(Rewritten(output, name), name + " was rewritten"));
        Assert.Equal(metaBefore, File.ReadAllText(Path.Combine(output, "meta.json")));
        Assert.Equal(ReadRaw(Path.Combine(output, "train.bin"), 2).Count, info.TrainTokens);
        Assert.Equal([1.0], progress.Values);
    }

    [Theory]
    [InlineData("Hello there, general Kenobi. You are a bold one!")] // same size, different bytes: caught by the hash
    [InlineData("Hello there, general Kenobi. You are a bold one. And longer now.")]
    public void Changed_source_is_rebuilt(string newText)
    {
        var (input, output) = NewDataset("Hello there, general Kenobi. You are a bold one.");
        string oldHash;
        using (var before = TokenDataset.Open(output)) oldHash = before.Info.Sources[0].Sha256;
        File.WriteAllText(input, newText);

        var info = Build([input], output);

        Assert.All(OutputFiles, name => Assert.True(Rewritten(output, name), name + " was not rewritten"));
        Assert.NotEqual(oldHash, info.Sources[0].Sha256);
        var tokens = ReadRaw(Path.Combine(output, "train.bin"), 2).Concat(ReadRaw(Path.Combine(output, "val.bin"), 2));
        Assert.Equal(newText, Tokenizer.Decode(tokens.Where(id => id != EndOfText)));
    }

    [Fact]
    public void Changed_options_or_a_damaged_file_cause_a_rebuild()
    {
        var (input, output) = NewDataset("Some words that will be split into train and validation parts.");
        var info = Build([input], output, validationFraction: 0.5);
        Assert.True(Rewritten(output, "meta.json"));
        Assert.Equal(0.5, info.Options.ValidationFraction);

        File.WriteAllBytes(Path.Combine(output, "val.bin"), [1, 2, 3]);
        File.SetLastWriteTimeUtc(Path.Combine(output, "meta.json"), LongAgo);
        Build([input], output, validationFraction: 0.5);
        Assert.True(Rewritten(output, "meta.json"));
        using var dataset = TokenDataset.Open(output);
        Assert.Equal(info.ValidationTokens, dataset.Validation.Length);

        File.WriteAllText(Path.Combine(output, "meta.json"), "{ corrupt");
        Assert.Equal(info.TrainTokens, Build([input], output, validationFraction: 0.5).TrainTokens);
    }

    [Fact]
    public void Open_reports_missing_or_corrupt_meta_naming_the_file()
    {
        string empty = NewDirectory();
        var missing = Assert.Throws<InvalidDataException>(() => TokenDataset.Open(empty));
        Assert.Contains(Path.Combine(empty, "meta.json"), missing.Message);

        var (_, output) = NewDataset("Text for a dataset whose metadata gets damaged.");
        string meta = Path.Combine(output, "meta.json");
        string good = File.ReadAllText(meta);
        foreach (string bad in new[] { "{ not json", "[]", good.Replace("\"format_version\": 1", "\"format_version\": 99"),
            good.Replace("\"train_tokens\"", "\"unknown_key\": 1, \"train_tokens\""), good.Replace("\"dtype\": \"uint16\"", "\"dtype\": \"float\"") })
        {
            Assert.NotEqual(good, bad);
            File.WriteAllText(meta, bad);
            var error = Assert.Throws<InvalidDataException>(() => TokenDataset.Open(output));
            Assert.Contains(meta, error.Message);
        }
    }

    [Fact]
    public void Open_reports_a_bin_whose_size_disagrees_with_meta()
    {
        var (_, output) = NewDataset("Text for a dataset whose token file gets truncated, long enough for several tokens.");
        string train = Path.Combine(output, "train.bin");
        byte[] bytes = File.ReadAllBytes(train);
        File.WriteAllBytes(train, bytes[..^2]);
        var error = Assert.Throws<InvalidDataException>(() => TokenDataset.Open(output));
        Assert.Contains(train, error.Message);

        File.Delete(train);
        Assert.Contains(train, Assert.Throws<InvalidDataException>(() => TokenDataset.Open(output)).Message);
    }
}
