using System.Text;
using System.Text.RegularExpressions;
using Strata.Data.Pipeline;

namespace Strata.Data.Normalisation;

/// <summary>
/// Puts text in one canonical form before filtering and deduplication, so equal content compares equal: NFC, no
/// control characters but newline and tab, LF line ends, no trailing blanks, bounded blank-line runs, and optionally
/// e-mail, IP and phone numbers masked. Never removes a document.
/// </summary>
public sealed partial class NormaliseStage(NormaliseOptions? options = null) : IDocumentStage
{
    private readonly NormaliseOptions _options = options ?? new NormaliseOptions();

    /// <inheritdoc />
    public string Name => "normalise";

    /// <inheritdoc />
    public StageResult Apply(Document document) => StageResult.Keep(document.WithText(Normalise(document.Text)));

    /// <summary>The normalised form of <paramref name="text"/>.</summary>
    public string Normalise(string text)
    {
        var o = _options;
        if (o.NormaliseWhitespace)
            text = text.Replace("\r\n", "\n").Replace('\r', '\n');
        if (o.Nfc && !text.IsNormalized(NormalizationForm.FormC))
            text = text.Normalize(NormalizationForm.FormC);
        if (o.RemoveControlCharacters)
            text = RemoveControls(text);
        if (o.NormaliseWhitespace)
        {
            text = TrailingBlanks().Replace(text, "");
            var maxNewlines = Math.Max(0, o.MaxConsecutiveBlankLines) + 1;
            text = NewlineRun().Replace(text, m => m.Length > maxNewlines ? new string('\n', maxNewlines) : m.Value);
            text = text.Trim('\n');
        }
        if (o.MaskEmails || o.MaskIPv4 || o.MaskIPv6 || o.MaskPhoneNumbers)
            text = PiiMasker.Mask(text, o);
        return text;
    }

    private static string RemoveControls(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            // Lone CR is kept when whitespace normalisation is off: it is a line end, not noise.
            if (!char.IsControl(c) || c is '\n' or '\t' or '\r')
                builder.Append(c);
        }
        return builder.ToString();
    }

    // Spaces and tabs (and other horizontal blanks) at the end of each line, including the last.
    [GeneratedRegex(@"[^\S\n]+(?=\n|$)")]
    private static partial Regex TrailingBlanks();

    [GeneratedRegex(@"\n{2,}")]
    private static partial Regex NewlineRun();
}
