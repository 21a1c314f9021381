namespace Strata.Data.Filters;

/// <summary>
/// Gopher's quality heuristics as datatrove's <c>GopherQualityFilter</c> applies them: word count, mean word length,
/// "#" and ellipsis per word, bullet and ellipsis lines, words with letters, stop words. Removal reasons are datatrove's
/// names, so counts compare with FineWeb's.
/// </summary>
public sealed class GopherQualityFilter(GopherQualityOptions? options = null) : ProseRule
{
    private readonly GopherQualityOptions _options = options ?? new GopherQualityOptions();

    public override string Name => "gopher_quality";

    protected override string? Check(string text)
    {
        var o = _options;
        var words = WordSplitter.Words(text);
        var nWords = words.Count;
        int nonSymbol = 0;
        long nonSymbolLength = 0;
        foreach (var word in words)
        {
            if (Punctuation.IsSymbolWord(word)) continue;
            nonSymbol++;
            nonSymbolLength += PyText.Length(word);
        }

        if (o.MinDocWords is { } minWords && minWords > 0 && nonSymbol < minWords)
            return "gopher_short_doc";
        if (o.MaxDocWords is { } maxWords && maxWords > 0 && nonSymbol > maxWords)
            return "gopher_long_doc";
        if (nWords == 0)
            return null; // nothing left to measure (only reachable with the word-count rules disabled)

        if (nonSymbol > 0)
        {
            var mean = (double)nonSymbolLength / nonSymbol;
            if (o.MinAvgWordLength is { } minLen && minLen > 0 && mean < minLen)
                return "gopher_below_avg_threshold";
            if (o.MaxAvgWordLength is { } maxLen && maxLen > 0 && mean > maxLen)
                return "gopher_above_avg_threshold";
        }

        if (o.MaxSymbolWordRatio is { } maxSymbol && maxSymbol > 0)
        {
            if ((double)PyText.Count(text, "#") / nWords > maxSymbol)
                return "gopher_too_many_hashes";
            if ((double)(PyText.Count(text, "...") + PyText.Count(text, "…")) / nWords > maxSymbol)
                return "gopher_too_many_ellipsis";
        }

        // One pass over the lines (Python's splitlines) counts bullets and trailing ellipses without a string per line.
        int lines = 0, bullets = 0, ellipses = 0, at = 0;
        while (PyText.NextLine(text, ref at, out var line))
        {
            lines++;
            var start = line.TrimStart();
            if (start.StartsWith('•') || start.StartsWith('-')) bullets++;
            var end = line.TrimEnd();
            if (end.EndsWith("...") || end.EndsWith('…')) ellipses++;
        }
        if (lines > 0)
        {
            if (o.MaxBulletLinesRatio is { } maxBullets && maxBullets > 0 && (double)bullets / lines > maxBullets)
                return "gopher_too_many_bullets";
            if (o.MaxEllipsisLinesRatio is { } maxEllipsis && maxEllipsis > 0 && (double)ellipses / lines > maxEllipsis)
                return "gopher_too_many_end_ellipsis";
        }

        // datatrove divides by all words, symbol-only tokens included.
        if (o.MinAlphaWordsRatio is { } minAlpha && minAlpha > 0 && (double)words.Count(PyText.HasLetter) / nWords < minAlpha)
            return "gopher_below_alpha_threshold";

        if (o.MinStopWords is { } minStop && minStop > 0 && o.StopWords.Count(words.Contains) < minStop)
            return "gopher_enough_stop_words";

        return null;
    }
}
