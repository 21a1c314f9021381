using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strata.Data.Audit;

/// <summary>One problem found in one example.</summary>
/// <param name="Reason">The reason code (see <see cref="AuditReasons"/>).</param>
/// <param name="Severity">note, warning or error.</param>
/// <param name="Detail">What exactly is wrong, naming turns or other lines where that helps.</param>
public sealed record AuditFinding(string Reason, string Severity, string Detail);

/// <summary>An example with at least one finding.</summary>
/// <param name="Line">1-based line where the record starts in the input.</param>
/// <param name="Id">The record's <c>id</c>, when it has one.</param>
/// <param name="Score">Sum of the weights of its distinct reasons; higher is more suspect.</param>
public sealed record AuditSuspect(int Line, string? Id, double Score, IReadOnlyList<AuditFinding> Findings);

/// <summary>The result of auditing one file: suspects ranked by score (then line), and counts per reason.</summary>
/// <param name="Examples">Records read, valid or not (blank lines excluded).</param>
/// <param name="ReasonCounts">Examples flagged per reason code (an example counts once per reason).</param>
public sealed record AuditReport(string Input, int Examples, IReadOnlyDictionary<string, int> ReasonCounts, IReadOnlyList<AuditSuspect> Suspects)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The report as indented JSON with snake_case names.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void WriteJson(string path) => File.WriteAllText(path, ToJson());
}
