namespace Strata.Models.Generation;

/// <summary>Turns token ids back into text; all the generation loop needs from a tokenizer.</summary>
public interface ITokenDecoder
{
    /// <summary>Decodes ids; an incomplete UTF-8 sequence at the end decodes to U+FFFD.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);
}
