namespace Strata.Data.Filters;

/// <summary>C4's line and page rules with datatrove's <c>C4QualityFilter</c> defaults (lines split on line breaks).</summary>
public sealed record C4Options
{
    /// <summary>Remove Wikipedia-style citations ("[1]", "[edit]", "[citation needed]") from lines.</summary>
    public bool RemoveCitations { get; init; } = true;

    /// <summary>Drop lines not ending in . ? ! " or ' (or ending in "...").</summary>
    public bool FilterNoTerminalPunct { get; init; } = true;

    /// <summary>Remove the document when its kept lines hold fewer sentences than this; -1 disables.</summary>
    public int MinNumSentences { get; init; } = 5;

    /// <summary>Drop lines with fewer words than this; -1 disables.</summary>
    public int MinWordsPerLine { get; init; } = 3;

    /// <summary>Drop lines with a word longer than this; -1 disables.</summary>
    public int MaxWordLength { get; init; } = 1000;

    /// <summary>Remove the document when a kept line contains "lorem ipsum".</summary>
    public bool FilterLoremIpsum { get; init; } = true;

    /// <summary>Drop lines mentioning "javascript".</summary>
    public bool FilterJavascript { get; init; } = true;

    /// <summary>Remove the document when a kept line contains "{".</summary>
    public bool FilterCurlyBracket { get; init; } = true;

    /// <summary>Drop lines mentioning terms of use, privacy or cookie policies.</summary>
    public bool FilterPolicy { get; init; } = true;
}
