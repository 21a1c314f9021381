namespace Strata.Models.Tokenization;

/// <summary>A token matched in raw text before any model work (tokenizer.json added_tokens, GGUF control/user tokens).</summary>
internal sealed record AddedToken(string Content, int Id, bool Special, bool LeftStrip = false, bool RightStrip = false);

/// <summary>A piece of input: either an added token's id or text left for the model.</summary>
internal readonly record struct Segment(string? Text, int TokenId, bool IsFirst);

/// <summary>
/// Splits text on added tokens, longest match first at each position, like Hugging Face's added-vocabulary pass.
/// lstrip/rstrip tokens swallow the whitespace beside them.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    public List<Segment> Split(string text, bool includeSpecial)
    {
        var segments = new List<Segment>();
        int textStart = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_byFirstChar.TryGetValue(text[i], out AddedToken[]? candidates)) continue;
            AddedToken? match = null;
            foreach (var token in candidates)
            {
                if ((includeSpecial || !token.Special) && string.CompareOrdinal(text, i, token.Content, 0, token.Content.Length) == 0)
                {
                    match = token;
                    break;
                }
            }
            if (match is null) continue;

            int before = i;
            if (match.LeftStrip)
                while (before > textStart && char.IsWhiteSpace(text[before - 1])) before--;
            if (before > textStart) segments.Add(new Segment(text[textStart..before], -1, textStart == 0));
            segments.Add(new Segment(null, match.Id, false));
            int after = i + match.Content.Length;
            if (match.RightStrip)
                while (after < text.Length && char.IsWhiteSpace(text[after])) after++;
            textStart = after;
            i = after - 1;
        }
        if (textStart < text.Length) segments.Add(new Segment(text[textStart..], -1, textStart == 0));
        return segments;
    }
}
