namespace Strata.Data.Audit;

/// <summary>Checks of one answer on its own or against its prompt. Conservative: a false alarm costs a reviewer's
/// minute, but flooding the list hides the examples that matter.</summary>
internal static class AnswerChecks
{
    // Words a complete sentence almost never ends on in English.
    private static readonly HashSet<string> Connectors = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "but", "nor", "so", "because", "although", "though", "while", "whereas", "if", "unless", "that",
        "which", "who", "whose", "the", "a", "an", "of", "to", "with", "for", "from", "into", "by", "as", "than",
        "then", "such", "like", "including", "is", "are", "was", "were", "be", "will", "can", "should", "would",
    };

    /// <summary>Why the answer looks cut off, or null.</summary>
    public static string? Truncation(string answer)
    {
        string text = answer.TrimEnd();
        if (text.Length == 0) return null;
        int fences = text.Split('\n').Count(l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
        if (fences % 2 == 1) return "unclosed ``` code fence";
        foreach (var (open, close) in new[] { ('(', ')'), ('[', ']'), ('{', '}') })
        {
            // Only more openers than closers: stray closers are common in lists ("1)") and smileys.
            int balance = text.Count(c => c == open) - text.Count(c => c == close);
            if (balance > 0) return $"{balance} unclosed '{open}'";
        }
        char last = text[^1];
        if (last is ',' or ';') return $"ends with '{last}'";
        var words = TextSimilarity.Words(text);
        if (words.Count >= 4 && char.IsLetter(last) && Connectors.Contains(words[^1]))
            return $"ends on the connector \"{words[^1]}\"";
        return null;
    }

    /// <summary>How the answer repeats the prompt, or null.</summary>
    public static string? RepeatsPrompt(string prompt, string answer)
    {
        var promptWords = TextSimilarity.Words(prompt);
        var answerWords = TextSimilarity.Words(answer);
        if (promptWords.Count == 0 || answerWords.Count == 0) return null;
        string p = string.Join(' ', promptWords), a = string.Join(' ', answerWords);
        if (p == a) return "answer equals the prompt";
        double similarity = TextSimilarity.Jaccard(TextSimilarity.Shingles(promptWords, 2), TextSimilarity.Shingles(answerWords, 2));
        if (similarity >= 0.8) return $"answer is nearly the prompt (similarity {similarity:0.00})";
        // Short prompts ("Who are you?") are legitimately echoed; only long ones copied whole are suspicious.
        if (promptWords.Count >= 8 && (" " + a + " ").Contains(" " + p + " ", StringComparison.Ordinal))
            return "answer contains the whole prompt";
        return null;
    }
}
