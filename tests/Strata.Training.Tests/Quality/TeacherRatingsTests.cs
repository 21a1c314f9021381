using Strata.Cli;
using Strata.Data;
using Strata.Data.IO;
using Strata.Data.Quality;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Training.Distillation;
using Strata.Training.Quality;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Quality;

/// <summary>
/// <c>strata data quality</c>: a teacher's ratings of a sample are learned well enough to agree with its held-out ratings,
/// replies without a score are set aside, a rerun rates nothing twice, and the fitted model filters a corpus in
/// <c>strata data clean</c>.
/// </summary>
public class TeacherRatingsTests
{
    private static readonly string[] Teaching =
        ["the function returns a sorted list", "each argument is passed by keyword", "this example shows how the module reads a file",
         "the loop stops when the condition is false", "a dictionary maps keys to values", "the class defines a method that returns its name"];

    private static readonly string[] Spam =
        ["click here to win a free prize", "buy now and save big today", "limited offer subscribe for cheap deals", "login to claim your reward now"];

    /// <summary>Rates by a rule it does not reveal: one point per teaching sentence, capped at 5; refuses documents that mention "refuse".</summary>
    private sealed class RuleTeacher : ITeacher
    {
        public int Asked;

        public string Name => "rule";

        public int MaxConcurrency => 4;

        public Task<TeacherAnswer> AnswerAsync(IReadOnlyList<ChatMessage> prompt, SamplingOptions sampling, int samples, AnswerVerifier? check, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Asked);
            string text = prompt[^1].Content;
            if (text.Contains("refuse", StringComparison.Ordinal)) return Task.FromResult(new TeacherAnswer("I would rather not rate this.", false, false));
            int points = Math.Min(5, Teaching.Count(s => text.Contains(s, StringComparison.Ordinal)));
            return Task.FromResult(new TeacherAnswer($"It teaches {points} things.\nScore: {points}", false, false));
        }

        public void Dispose()
        {
        }
    }

    private static string Corpus(string directory, int count)
    {
        var random = new Random(3);
        string path = Path.Combine(directory, "docs.jsonl");
        using var writer = new ShardWriter(path);
        for (int i = 0; i < count; i++)
        {
            int teaching = random.Next(0, 6), spam = random.Next(0, 4);
            var sentences = Teaching.OrderBy(_ => random.Next()).Take(teaching).Concat(Spam.OrderBy(_ => random.Next()).Take(spam)).OrderBy(_ => random.Next()).ToList();
            if (i % 40 == 7) sentences.Add("we refuse to say more");
            writer.Write(new Document($"doc-{i}", string.Join(". ", sentences.DefaultIfEmpty("nothing here")) + ".", []));
        }
        writer.Commit();
        return path;
    }

    [Fact]
    public async Task TheClassifierLearnsTheTeachersRatingsAndFiltersACorpus()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string corpus = Corpus(directory, 400);
        string output = Path.Combine(directory, "quality");
        var options = new QualityOptions { Teacher = new TeacherSource("rule"), Inputs = [corpus], Output = output, Sample = 300, Dimension = 1 << 12, L2 = 0.1 };
        var teacher = new RuleTeacher();
        var outcome = await new TeacherRatings(options, rater: teacher).RunAsync();
        Assert.Equal(300, teacher.Asked);
        Assert.True(outcome.Unrated > 0, "documents the teacher refused are set aside");
        Assert.Equal(300, outcome.Rated + outcome.Unrated);
        Assert.Contains("rather not", File.ReadAllText(Path.Combine(output, TeacherRatings.UnratedFile)));
        var agreement = outcome.Model.HeldOut!;
        Assert.InRange(agreement.Items, 40, 80);
        Assert.True(agreement.Pearson > 0.9 && agreement.Accuracy > 0.85, $"held-out agreement {agreement}");

        // A rerun finds every sampled document rated already and asks the teacher nothing.
        var again = await new TeacherRatings(options, rater: teacher).RunAsync();
        Assert.Equal((0, outcome.Rated), (again.Rated, again.AlreadyRated));
        Assert.Equal(300, teacher.Asked);

        string config = Path.Combine(directory, "clean.json");
        File.WriteAllText(config, $$"""{"stages": [{"stage": "quality_classifier", "model": "{{Path.Combine(output, TeacherRatings.ModelFile)}}"}]}""");
        var log = new StringWriter();
        int code = await StrataCli.RunAsync(["data", "clean", "--input", corpus, "--output", Path.Combine(directory, "clean"), "--config", config], log, log);
        Assert.True(code == 0, log.ToString());
        var kept = Directory.GetFiles(Path.Combine(directory, "clean"), "*.jsonl*").SelectMany(f => DocumentReader.Read(f)).Select(r => r.Document!).ToList();
        Assert.InRange(kept.Count, 100, 300);
        double TeachingShare(IEnumerable<Document> documents) => documents.Average(d => Teaching.Count(s => d.Text.Contains(s, StringComparison.Ordinal)));
        var all = DocumentReader.Read(corpus).Select(r => r.Document!).ToList();
        Assert.True(TeachingShare(kept) > TeachingShare(all) + 1, $"kept documents teach {TeachingShare(kept):F2} things on average, all {TeachingShare(all):F2}");
    }

    [Theory]
    [InlineData("Clear and useful.\nScore: 4", 4.0)]
    [InlineData("Educational score: 2. Later: Score: 3", 3.0)]
    [InlineData("**Score:** 5", 5.0)]
    [InlineData("2.5", 2.5)]
    [InlineData("I cannot say", null)]
    public void TheScoreIsReadFromTheReply(string reply, double? expected) => Assert.Equal(expected, TeacherRatings.Score(reply));

    [Fact]
    public async Task TheCommandRefusesARubricWithoutThePlaceholder()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string rubric = Path.Combine(directory, "rubric.txt");
        File.WriteAllText(rubric, "Rate this. Score: <points>");
        var log = new StringWriter();
        int code = await StrataCli.RunAsync(["data", "quality", "--teacher", directory, "--input", Corpus(directory, 5), "--out", Path.Combine(directory, "q"), "--rubric", rubric], log, log);
        Assert.NotEqual(0, code);
        Assert.Contains("{document}", log.ToString());
    }
}
