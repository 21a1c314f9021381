using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Strata.Data.Pipeline;

namespace Strata.Data.Filters;

/// <summary>
/// C4's bad-words filter as datatrove's <c>C4BadWordsFilter</c> applies it: a document whose lower-cased text contains
/// a listed word or phrase as a whole word (bounded by a non-word character or the text's ends) is removed with reason
/// <c>documents_with_badwords</c>, except for a seeded <see cref="BadWordsOptions.KeepFraction"/> of them.
/// </summary>
public sealed class BadWordsFilter : IDocumentStage
{
    /// <summary>Removal reason, datatrove's name.</summary>
    public const string Reason = "documents_with_badwords";

    private readonly Regex _pattern;
    private readonly BadWordsOptions _options;

    /// <summary>Builds the filter over <paramref name="words"/> (already read from the list).</summary>
    public BadWordsFilter(IEnumerable<string> words, BadWordsOptions? options = null)
    {
        _options = options ?? new BadWordsOptions();
        if (_options.KeepFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), "keep_fraction must be in [0, 1]");
        var list = words.Select(w => w.Trim().ToLowerInvariant()).Where(w => w.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderByDescending(w => w.Length).ToList();
        if (list.Count == 0) throw new ArgumentException("the bad-words list is empty");
        // datatrove: (?:\W|^)(word|…)(?:\W|$) over the lower-cased text; longest first so a phrase wins over its prefix.
        _pattern = new Regex(@"(?:\W|^)(" + string.Join('|', list.Select(Regex.Escape)) + @")(?:\W|$)",
            RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>Reads the list file: one word or phrase per line, <c>#</c> comments and blank lines skipped.</summary>
    public static BadWordsFilter FromFile(string path, BadWordsOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"stage \"badwords\": words_file not found: {path}", path);
        return new BadWordsFilter(File.ReadLines(path).Where(line => !line.TrimStart().StartsWith('#')), options);
    }

    /// <inheritdoc />
    public string Name => "badwords";

    /// <inheritdoc />
    public bool ProseOnly => false;

    /// <inheritdoc />
    public StageResult Apply(Document document)
    {
        if (!_pattern.IsMatch(document.Text.ToLowerInvariant())) return StageResult.Keep(document);
        return Kept(document.Id) ? StageResult.Keep(document) : StageResult.Remove(Reason);
    }

    /// <summary>A uniform draw in [0, 1) from the document's id and the seed, compared with the keep fraction.</summary>
    private bool Kept(string id)
    {
        if (_options.KeepFraction <= 0) return false;
        ulong draw = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()), (long)_options.Seed);
        return (draw >> 11) * (1.0 / (1UL << 53)) < _options.KeepFraction;
    }
}
