using System.Text.RegularExpressions;
using Strata.Data.Pipeline;

namespace Strata.Data.Filters;

/// <summary>
/// Marks source code so that prose-only rules (word counts, stop words, punctuation) pass it by instead of deleting it:
/// sets Meta <c>content_kind</c> to <c>code</c>, or to <c>prose</c> when nothing set it before. Never removes.
/// Signals: a shebang; lines ending in <c>; { } ( ) , :</c> or starting with a closing bracket or a common keyword
/// (across C-family, Python, shell and JavaScript); the density of code symbols; few lines reading as sentences.
/// </summary>
public sealed partial class CodeClassifier(CodeClassifierOptions? options = null) : IDocumentStage
{
    private const string Symbols = "{}[]();=<>|&!+-*/%^~:";

    private readonly CodeClassifierOptions _options = options ?? new CodeClassifierOptions();

    /// <inheritdoc />
    public string Name => "classify_code";

    /// <inheritdoc />
    public StageResult Apply(Document document)
    {
        if (IsCode(document.Text))
            document.Meta[Document.ContentKindKey] = ContentKinds.Code;
        else if (document.ContentKind is null)
            document.Meta[Document.ContentKindKey] = ContentKinds.Prose;
        return StageResult.Keep(document);
    }

    /// <summary>True when <paramref name="text"/> reads as source code.</summary>
    public bool IsCode(string text)
    {
        if (text.StartsWith("#!", StringComparison.Ordinal))
            return true;
        var lines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
            return false;

        int nonSpace = 0, symbols = 0;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
                continue;
            nonSpace++;
            if (Symbols.Contains(c))
                symbols++;
        }
        var density = (double)symbols / Math.Max(1, nonSpace);
        var codeLines = (double)lines.Count(IsCodeLine) / lines.Count;
        var sentenceLines = (double)lines.Count(l => SentenceLine().IsMatch(l)) / lines.Count;

        var o = _options;
        if (lines.Count < o.MinLines)
            return density >= 2 * o.MinSymbolDensity && codeLines >= 2 * o.MinCodeLineRatio;
        return codeLines >= o.MinCodeLineRatio && density >= o.MinSymbolDensity && sentenceLines <= o.MaxSentenceLineRatio;
    }

    private static bool IsCodeLine(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.Length > 0 && (";{}(),:[".Contains(line[^1]) || trimmed[0] is '}' or ')' or ']' || LeadingKeyword().IsMatch(trimmed)
            || trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith("/*", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^(using|import|from|def|class|public|private|protected|internal|static|return|if|else|elif|for|foreach|while|switch|case|try|catch|finally|throw|raise|#include|#define|function|var|let|const|package|namespace|fn|func|struct|enum|interface|export|async|await|yield|sealed|override|void|int|echo|fi|done|then)\b")]
    private static partial Regex LeadingKeyword();

    // A prose sentence line: at least eight words and a sentence stop at the end.
    [GeneratedRegex(@"^\s*\S+(\s+\S+){7,}[.!?][""')\]]?$")]
    private static partial Regex SentenceLine();
}
