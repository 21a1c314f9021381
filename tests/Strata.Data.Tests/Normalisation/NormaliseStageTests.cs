using System.Text.Json.Nodes;
using Strata.Data.Normalisation;

namespace Strata.Data.Tests.Normalisation;

// Expected strings are written out by hand from the definitions (Unicode NFC, datatrove's PIIFormatter patterns and
// replacement lists, Python's ipaddress is_global blocks).
public class NormaliseStageTests
{
    private static string Run(string text, NormaliseOptions? options = null) =>
        new NormaliseStage(options).Apply(new Document("t", text, new JsonObject())).Document!.Text;

    [Fact]
    public void ComposesToNfc() => Assert.Equal("caf\u00e9", Run("cafe\u0301"));

    [Fact]
    public void RemovesControlCharactersButNewlineAndTab() => Assert.Equal("abc\td\ne", Run("a\u0000b\u0007c\td\u001b\ne\u007f"));

    [Fact]
    public void NormalisesLineEndsTrailingBlanksAndBlankRuns()
    {
        Assert.Equal("a\nb\nc", Run("a\r\nb\rc"));
        Assert.Equal("a\nb", Run("a  \nb\t \u00a0"));
        Assert.Equal("a\n\nb", Run("\n\na\n\n\n  \n\nb\n\n"));
        Assert.Equal("a\n\n\nb", Run("a\n\n\n\n\nb", new NormaliseOptions { MaxConsecutiveBlankLines = 2 }));
        Assert.Equal("  indented", Run("  indented"));
    }

    [Fact]
    public void EachStepCanBeTurnedOff()
    {
        var off = new NormaliseOptions
        {
            Nfc = false,
            RemoveControlCharacters = false,
            NormaliseWhitespace = false,
            MaskEmails = false,
            MaskIPv4 = false,
        };
        const string text = "cafe\u0301 \u0007 a\r\n\n\n\nb  x@y.com 8.8.8.8";
        Assert.Equal(text, Run(text, off));
    }

    [Fact]
    public void MasksEmailsInTurn() =>
        Assert.Equal(
            "Mail email@example.com or firstname.lastname@example.org or email@example.com.",
            Run("Mail john.doe@mail.co.uk or a+b@x.org or me@host.net."));

    [Fact]
    public void MasksOnlyPublicIPv4ByDefault()
    {
        Assert.Equal(
            "Hosts 22.214.171.124, 126.96.36.199, 192.168.1.1, 10.0.0.1, 127.0.0.1, 100.64.0.1 and 172.16.5.4.",
            Run("Hosts 8.8.8.8, 1.1.1.1, 192.168.1.1, 10.0.0.1, 127.0.0.1, 100.64.0.1 and 172.16.5.4."));
        Assert.Equal("at 22.214.171.124", Run("at 10.0.0.1", new NormaliseOptions { OnlyPublicIps = false }));
    }

    [Fact]
    public void IPv6AndPhonesAreOptional()
    {
        const string text = "Call +1 415-555-2671 or reach 2606:4700:4700::1111 (not fe80::1).";
        Assert.Equal(text, Run(text));
        Assert.Equal(
            "Call +1 555 0100 or reach 2001:db8::1 (not fe80::1).",
            Run(text, new NormaliseOptions { MaskIPv6 = true, MaskPhoneNumbers = true }));
    }

    [Fact]
    public void NeverRemoves() => Assert.True(new NormaliseStage().Apply(new Document("t", "", new JsonObject())).Kept);
}
