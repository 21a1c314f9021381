using Strata.Data.Pipeline;

namespace Strata.Data.Filters;

/// <summary>
/// Identifies the language (franc's trigram method, see <see cref="TrigramLanguageIdentifier"/>), writes Meta
/// <c>language</c> and <c>language_score</c>, and keeps the document when a wanted language scores above the threshold,
/// as datatrove's <c>LanguageFilter</c> decides.
/// </summary>
public sealed class LanguageFilter : IDocumentStage
{
    /// <summary>Meta key of the best language's ISO 639-1 code (franc's ISO 639-3 for scripts outside the set).</summary>
    public const string LanguageKey = "language";

    /// <summary>Meta key of the best language's confidence in [0, 1].</summary>
    public const string ScoreKey = "language_score";

    private readonly LanguageFilterOptions _options;
    private readonly TrigramLanguageIdentifier _identifier;

    /// <summary>Creates the filter; the profiles load once per instance.</summary>
    public LanguageFilter(LanguageFilterOptions? options = null)
    {
        _options = options ?? new LanguageFilterOptions();
        _identifier = new TrigramLanguageIdentifier(_options.Temperature);
    }

    /// <inheritdoc />
    public string Name => "language";

    /// <summary>Natural-language identification says nothing useful about source code, so code goes around it.</summary>
    public bool ProseOnly => true;

    /// <summary>Languages with their confidences, best first.</summary>
    public IReadOnlyList<(string Language, double Score)> Identify(string text) => _identifier.Identify(text);

    /// <inheritdoc />
    public StageResult Apply(Document document)
    {
        var scores = _identifier.Identify(document.Text);
        var (best, score) = scores[0];
        document.Meta[LanguageKey] = best;
        document.Meta[ScoreKey] = Math.Round(score, 4);
        if (_options.LabelOnly)
            return StageResult.Keep(document);
        var wanted = _options.Languages;
        var kept = wanted is null
            ? score > _options.MinScore
            : scores.Any(s => wanted.Contains(s.Language) && s.Score > _options.MinScore);
        if (kept)
            return StageResult.Keep(document);
        return StageResult.Remove(wanted is null || wanted.Contains(best) ? "low_language_score" : "other_language");
    }
}
