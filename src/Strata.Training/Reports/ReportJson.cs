using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strata.Training.Reports;

/// <summary>
/// JSON form of a <see cref="RunReport"/>: snake_case property names, indented, dictionary keys as given.
/// Non-finite numbers (a diverged loss) are kept, written as the strings "NaN", "Infinity" and "-Infinity",
/// and read back as the same doubles. <see cref="TimeSpan"/> is written in the invariant "c" form ("01:02:03.5").
/// </summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static string Serialize(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, Options);
    }

    /// <exception cref="JsonException">The text is not a report.</exception>
    public static RunReport Deserialize(string json) =>
        JsonSerializer.Deserialize<RunReport>(json, Options) ?? throw new JsonException("summary.json holds null, not a report.");

    public static RunReport ReadFile(string path) => Deserialize(File.ReadAllText(path));

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            RespectNullableAnnotations = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
