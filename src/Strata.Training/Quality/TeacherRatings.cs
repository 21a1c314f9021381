using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Strata.Data.IO;
using Strata.Data.Quality;
using Strata.Models.Generation;
using Strata.Training.Distillation;
using Strata.Training.Tuning;

namespace Strata.Training.Quality;

/// <summary>A run of <c>strata data quality</c>.</summary>
public sealed record QualityOptions
{
    /// <summary>The rater: a model Strata loads or an OpenAI-compatible server.</summary>
    public required TeacherSource Teacher { get; init; }

    public required IReadOnlyList<string> Inputs { get; init; }
    public required string Output { get; init; }

    /// <summary>The rating prompt; <c>{document}</c> is replaced by the document's text (cut to <see cref="MaxCharacters"/>).</summary>
    public string Rubric { get; init; } = TeacherRatings.DefaultRubric;

    /// <summary>Documents rated by the teacher, drawn uniformly (reservoir sampling, seeded) from the inputs.</summary>
    public int Sample { get; init; } = 1000;
    public int MaxCharacters { get; init; } = 3000;

    /// <summary>The share of ratings kept out of fitting to measure agreement.</summary>
    public double HeldOutFraction { get; init; } = 0.2;

    /// <summary>Keep documents rated at least this (FineWeb-Edu keeps 3 and up on its 0–5 scale).</summary>
    public double Threshold { get; init; } = 3;
    public double L2 { get; init; } = 1.0;
    public int Dimension { get; init; } = 1 << 18;
    public long Seed { get; init; } = 1;

    public SamplingOptions Sampling { get; init; } = new() { Temperature = 0, MaxTokens = 256 };
}

/// <summary>What a quality run rated and how the fitted model agrees with held-out ratings.</summary>
public sealed record QualityOutcome(int Rated, int Unrated, int AlreadyRated, QualityModel Model, string ModelPath);

/// <summary>
/// FineWeb-Edu's method: a teacher rates a sample of documents on a rubric, a small classifier learns the ratings, and
/// <c>strata data clean</c>'s <c>quality_classifier</c> stage applies it to the whole corpus. Ratings are appended to
/// <c>ratings.jsonl</c> (replies the rubric's score cannot be read from go to <c>unrated.jsonl</c> with the reply), so
/// an interrupted run resumes; the fitted model (<c>quality-model.json</c>) records its agreement with the held-out
/// ratings, split by a hash of each document's id so reruns hold out the same documents.
/// </summary>
public sealed partial class TeacherRatings(QualityOptions options, IProgress<string>? progress = null, ITeacher? rater = null)
{
    public const string RatingsFile = "ratings.jsonl", UnratedFile = "unrated.jsonl", ModelFile = "quality-model.json";

    /// <summary>An additive 0–5 rubric in the manner of FineWeb-Edu's annotation prompt, for technical and educational text.</summary>
    public const string DefaultRubric = """
        Rate how useful the extract below would be for teaching someone a technical or educational subject, adding points:
        - 1 point if it gives some information relevant to a subject, even mixed with ads, navigation or boilerplate.
        - 1 more if it addresses a subject coherently, though incompletely or not in the best style.
        - 1 more if it explains key ideas clearly enough to teach them, like an introductory text or documentation.
        - 1 more if it is well organised and focused, with examples or exercises, and little irrelevant content.
        - 1 more if it is outstanding: accurate, clear, and thorough, with nothing to remove.

        Extract:
        {document}

        Justify your rating in at most two sentences, then end with the line "Score: <points>".
        """;

    public async Task<QualityOutcome> RunAsync(CancellationToken cancellationToken = default)
    {
        if (!options.Rubric.Contains("{document}", StringComparison.Ordinal)) throw new ArgumentException("the rubric (--rubric) has no {document} placeholder");
        if (options.Sample < 2) throw new ArgumentException($"--sample must be at least 2, not {options.Sample}");
        if (options.HeldOutFraction is <= 0 or >= 1) throw new ArgumentException($"--held-out must be in (0, 1), not {options.HeldOutFraction}");
        Directory.CreateDirectory(options.Output);
        string ratingsPath = Path.Combine(options.Output, RatingsFile), unratedPath = Path.Combine(options.Output, UnratedFile);
        var ratings = Read(ratingsPath);
        var done = new HashSet<string>(ratings.Select(r => r.Id).Concat(Read(unratedPath).Select(r => r.Id)), StringComparer.Ordinal);
        int alreadyRated = ratings.Count, unrated = 0;

        var sample = Sample().Where(d => !done.Contains(d.Id)).ToList();
        using var opened = rater is null ? options.Teacher.Open() : null;
        var teacher = rater ?? opened!;
        await using var ratedFile = new StreamWriter(ratingsPath, append: true, new UTF8Encoding(false));
        await using var unratedFile = new StreamWriter(unratedPath, append: true, new UTF8Encoding(false));
        using var writing = new SemaphoreSlim(1);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Teacher.ParallelismWith(teacher), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(sample, parallel, async (document, token) =>
        {
            string text = document.Text.Length > options.MaxCharacters ? document.Text[..options.MaxCharacters] : document.Text;
            var answer = await teacher.AnswerAsync([new ChatMessage(ChatRole.User, options.Rubric.Replace("{document}", text, StringComparison.Ordinal))],
                options.Sampling, 1, null, token);
            double? score = Score(answer.Text);
            var line = new JsonObject { ["id"] = document.Id, ["text"] = document.Text, ["reply"] = answer.Text };
            if (score is double s) line["score"] = s;
            await writing.WaitAsync(token);
            try
            {
                if (score is double value)
                {
                    ratings.Add(new Rating(document.Id, document.Text, value));
                    await ratedFile.WriteLineAsync(line.ToJsonString());
                    await ratedFile.FlushAsync(token);
                }
                else
                {
                    unrated++;
                    await unratedFile.WriteLineAsync(line.ToJsonString());
                    await unratedFile.FlushAsync(token);
                }
                if ((ratings.Count + unrated) % 25 == 0) progress?.Report($"{ratings.Count + unrated}/{Math.Min(options.Sample, ratings.Count + unrated + sample.Count)} documents rated");
            }
            finally
            {
                writing.Release();
            }
        });

        var model = Fit(ratings);
        string modelPath = Path.Combine(options.Output, ModelFile);
        model.Save(modelPath);
        return new QualityOutcome(ratings.Count - alreadyRated, unrated, alreadyRated, model, modelPath);
    }

    /// <summary>Fits on the ratings outside the held-out share and measures agreement on the rest.</summary>
    private QualityModel Fit(List<Rating> ratings)
    {
        var heldOut = ratings.Where(r => HeldOut(r.Id)).ToList();
        var train = ratings.Where(r => !HeldOut(r.Id)).ToList();
        if (train.Count == 0 || heldOut.Count == 0)
        {
            throw new InvalidOperationException($"{ratings.Count} ratings leave nothing to fit on or nothing to check with; rate more documents (--sample)");
        }
        var model = QualityModel.Fit(train.Select(r => r.Text).ToList(), train.Select(r => r.Score).ToList(), options.Threshold, options.Dimension, options.L2);
        var agreement = QualityAgreement.Compute(heldOut.Select(r => model.Predict(r.Text)).ToList(), heldOut.Select(r => r.Score).ToList(), options.Threshold);
        return new QualityModel
        {
            Dimension = model.Dimension,
            L2 = model.L2,
            Threshold = model.Threshold,
            Bias = model.Bias,
            Weights = model.Weights,
            TrainedOn = train.Count,
            HeldOut = agreement,
            Rubric = options.Rubric,
        };
    }

    private bool HeldOut(string id) =>
        XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(id), options.Seed) % 10_000 < options.HeldOutFraction * 10_000;

    /// <summary>A uniform sample of the inputs' documents (reservoir sampling, seeded), in input order.</summary>
    private IEnumerable<Strata.Data.Document> Sample()
    {
        var reservoir = new List<(long Position, Strata.Data.Document Document)>();
        var random = new Random((int)options.Seed);
        long seen = 0;
        foreach (var record in options.Inputs.SelectMany(path => DocumentReader.Read(path)))
        {
            if (record.Document is not { } document || string.IsNullOrWhiteSpace(document.Text)) continue;
            if (reservoir.Count < options.Sample) reservoir.Add((seen, document));
            else if (random.NextInt64(seen + 1) is long slot && slot < options.Sample) reservoir[(int)slot] = (seen, document);
            seen++;
        }
        return reservoir.OrderBy(r => r.Position).Select(r => r.Document);
    }

    /// <summary>The rubric's score in a reply: the last "score: N", else a reply that is only a number.</summary>
    public static double? Score(string reply)
    {
        var matches = ScorePattern().Matches(reply);
        string? number = matches.Count > 0 ? matches[^1].Groups[1].Value : reply.Trim().TrimEnd('.');
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double score) && double.IsFinite(score) ? score : null;
    }

    [GeneratedRegex(@"(?i)score\s*[:=]?\s*\**\s*(-?\d+(?:\.\d+)?)")]
    private static partial Regex ScorePattern();

    private sealed record Rating(string Id, string Text, double Score);

    private static List<Rating> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var ratings = new List<Rating>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            ratings.Add(new Rating(root.GetProperty("id").GetString()!, root.GetProperty("text").GetString()!,
                root.TryGetProperty("score", out var score) ? score.GetDouble() : double.NaN));
        }
        return ratings;
    }
}
