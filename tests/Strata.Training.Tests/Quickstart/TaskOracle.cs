using System.Text.RegularExpressions;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Quickstart;

/// <summary>
/// Re-derives task answers from the question text alone, written independently of SyntheticTasks (regexes over the
/// wording, no shared helpers), so a generator bug shows up as a disagreement instead of being copied.
/// </summary>
internal static partial class TaskOracle
{
    /// <summary>The template a first question uses and its words in the order asked, or null if none matches.</summary>
    public static (string Kind, string[] Words)? Parse(string question)
    {
        foreach (var (kind, pattern) in Patterns)
        {
            var match = pattern.Match(question);
            if (!match.Success) continue;
            string[] words = kind == "longer"
                ? [match.Groups[1].Value, match.Groups[2].Value]
                : match.Groups[1].Value.Split(' ');
            return (kind, words);
        }
        return null;
    }

    /// <summary>The correct answer to a first question, or null when the question matches no template.</summary>
    public static string? Answer(string question)
    {
        if (Parse(question) is not var (kind, w)) return null;
        return kind switch
        {
            "repeat" => w[0],
            "twice" => w[0] + " " + w[0],
            "upper" => w[0].ToUpperInvariant(),
            "first" => w[0],
            "last" => w[w.Length - 1],
            "count" => w.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "reverse" => string.Join(" ", Enumerable.Reverse(w)),
            "longer" => w[0].Length > w[1].Length ? w[0] : w[1],
            _ => null,
        };
    }

    /// <summary>The correct answer to a follow-up, given the first question and the (correct) first answer.</summary>
    public static string? FollowUp(string firstQuestion, string firstAnswer, string followUp)
    {
        if (Parse(firstQuestion) is not var (_, w)) return null;
        return followUp switch
        {
            "Now uppercase it." => firstAnswer.ToUpperInvariant(),
            "Now say it twice." => firstAnswer + " " + firstAnswer,
            "And the last word?" => w[w.Length - 1],
            "And the first word?" => w[0],
            "And the shorter one?" => w.Length == 2 ? (w[0].Length < w[1].Length ? w[0] : w[1]) : null,
            _ => null,
        };
    }

    /// <summary>
    /// The template and words of a whole conversation: for the grounded family (a system message listing documents)
    /// the documents' words in listing order, else <see cref="Parse"/> of the first question.
    /// </summary>
    public static (string Kind, string[] Words)? ParseConversation(IReadOnlyList<ChatMessage> messages)
    {
        if (messages[0].Role != ChatRole.System) return Parse(messages[0].Content);
        var documents = DocumentRegex().Matches(messages[0].Content);
        if (documents.Count is < 1 or > 2 || !GroundedRegex().IsMatch(messages[1].Content)) return null;
        return ("grounded", documents.SelectMany(d => new[] { d.Groups[2].Value, d.Groups[3].Value }).ToArray());
    }

    /// <summary>The grounded family's answer: the sentence of the document whose subject the question names.</summary>
    public static string? GroundedAnswer(string system, string question)
    {
        var asked = GroundedRegex().Match(question);
        if (!asked.Success) return null;
        var document = DocumentRegex().Matches(system).FirstOrDefault(d => d.Groups[2].Value == asked.Groups[1].Value);
        return document is null ? null : $"The {document.Groups[2].Value} is {document.Groups[3].Value}.";
    }

    /// <summary>The oracle's answer to a whole prompt history (ending with a user turn), as a perfect model would.</summary>
    public static string? Reply(IReadOnlyList<ChatMessage> history)
    {
        if (history.Count == 2 && history[0].Role == ChatRole.System) return GroundedAnswer(history[0].Content, history[1].Content);
        if (history.Count == 1) return Answer(history[0].Content);
        if (history.Count == 3) return FollowUp(history[0].Content, history[1].Content, history[2].Content);
        return null;
    }

    /// <summary>Whether the order of the asked words is irrelevant to every answer of a dialogue of this kind.</summary>
    public static bool OrderFree(string firstKind, string? followUp) =>
        (firstKind == "longer" && followUp is null or "And the shorter one?") || (firstKind == "count" && followUp is null);

    private static readonly (string Kind, Regex Pattern)[] Patterns =
    [
        ("repeat", RepeatRegex()), ("twice", TwiceRegex()), ("upper", UpperRegex()), ("first", FirstRegex()),
        ("last", LastRegex()), ("count", CountRegex()), ("reverse", ReverseRegex()), ("longer", LongerRegex()),
    ];

    [GeneratedRegex("^Repeat the word: ([a-z]+)$")] private static partial Regex RepeatRegex();
    [GeneratedRegex("^Say it twice: ([a-z]+)$")] private static partial Regex TwiceRegex();
    [GeneratedRegex("^Uppercase: ([a-z]+)$")] private static partial Regex UpperRegex();
    [GeneratedRegex(@"^What is the first word\? ([a-z]+(?: [a-z]+){2,4})$")] private static partial Regex FirstRegex();
    [GeneratedRegex(@"^What is the last word\? ([a-z]+(?: [a-z]+){2,4})$")] private static partial Regex LastRegex();
    [GeneratedRegex("^Count the words: ([a-z]+(?: [a-z]+){1,5})$")] private static partial Regex CountRegex();
    [GeneratedRegex("^Reverse the order: ([a-z]+(?: [a-z]+){1,2})$")] private static partial Regex ReverseRegex();
    [GeneratedRegex(@"^Which is longer, ([a-z]+) or ([a-z]+)\?$")] private static partial Regex LongerRegex();
    [GeneratedRegex(@"^What is the ([a-z]+)\?$")] private static partial Regex GroundedRegex();
    [GeneratedRegex(@"\[doc:([01])\]\nThe ([a-z]+) is ([a-z]+)\.\n")] private static partial Regex DocumentRegex();
}
