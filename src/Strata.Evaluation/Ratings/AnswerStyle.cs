using System.Text.RegularExpressions;

namespace Strata.Evaluation.Ratings;

/// <summary>
/// Style covariates of one answer, as LMSYS's style control counts them: answer length in tokens (or words, when no
/// tokenizer is at hand) and Markdown headers, list items and bold spans.
/// </summary>
public readonly partial record struct AnswerStyle(int Length, int Headers, int ListItems, int BoldSpans)
{
    /// <summary>
    /// Counts the style of <paramref name="text"/> (all of one side's turns, joined). Markdown is counted outside fenced
    /// code blocks, as LMSYS does, so that <c># comment</c> lines and <c>- x</c> expressions in code are not headers or
    /// list items; the length covers everything, code included.
    /// </summary>
    /// <param name="tokens">The answer's length in tokens when a tokenizer counted it; otherwise whitespace-separated
    /// words stand in for tokens.</param>
    public static AnswerStyle Of(string text, int? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (tokens is < 0) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "a token count cannot be negative");
        int length = tokens ?? text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        string prose = FencedCode().Replace(text, "");
        return new AnswerStyle(length, Header().Count(prose), ListItem().Count(prose), Bold().Count(prose));
    }

    /// <summary>A fenced code block, LMSYS's <c>```[^`]*```</c>.</summary>
    [GeneratedRegex("```[^`]*```")]
    private static partial Regex FencedCode();

    /// <summary>An ATX header line: one to six <c>#</c> then a space (or tab).</summary>
    [GeneratedRegex(@"^#{1,6}[ \t]", RegexOptions.Multiline)]
    private static partial Regex Header();

    /// <summary>A bulleted (<c>-</c>, <c>*</c>, <c>+</c>) or numbered (<c>1.</c>) list item, possibly indented.
    /// Spaces and tabs only, so a match never runs on from a blank line into the next.</summary>
    [GeneratedRegex(@"^[ \t]*(?:[-*+]|\d+\.)[ \t]", RegexOptions.Multiline)]
    private static partial Regex ListItem();

    /// <summary>A bold span, <c>**x**</c> or <c>__x__</c>, within one line.</summary>
    [GeneratedRegex(@"\*\*[^*\n]+\*\*|__[^_\n]+__")]
    private static partial Regex Bold();
}
