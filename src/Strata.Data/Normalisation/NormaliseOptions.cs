using System.Text.Json.Serialization;

namespace Strata.Data.Normalisation;

/// <summary>
/// What <see cref="NormaliseStage"/> does. PII defaults follow FineWeb, which runs datatrove's <c>PIIFormatter</c>
/// with its defaults (e-mails and public IPv4 addresses replaced); IPv6 and phone numbers are off there and here.
/// </summary>
public sealed record NormaliseOptions
{
    /// <summary>Compose to Unicode NFC.</summary>
    public bool Nfc { get; init; } = true;

    /// <summary>Remove control characters other than newline and tab.</summary>
    public bool RemoveControlCharacters { get; init; } = true;

    /// <summary>CRLF and lone CR become LF, trailing spaces and tabs go, runs of blank lines shrink, ends are trimmed.</summary>
    public bool NormaliseWhitespace { get; init; } = true;

    /// <summary>Most blank lines kept in a row when <see cref="NormaliseWhitespace"/> is on.</summary>
    public int MaxConsecutiveBlankLines { get; init; } = 1;

    /// <summary>Replace e-mail addresses (datatrove's pattern).</summary>
    public bool MaskEmails { get; init; } = true;

    /// <summary>Replace IPv4 addresses (datatrove's pattern).</summary>
    [JsonPropertyName("mask_ipv4")] public bool MaskIPv4 { get; init; } = true;

    /// <summary>Replace IPv6 addresses (not in datatrove; validated by the .NET parser).</summary>
    [JsonPropertyName("mask_ipv6")] public bool MaskIPv6 { get; init; }

    /// <summary>Only replace addresses that are globally routable (datatrove's only_remove_public_ips).</summary>
    public bool OnlyPublicIps { get; init; } = true;

    /// <summary>Replace phone numbers written in international or North American form (not in datatrove).</summary>
    public bool MaskPhoneNumbers { get; init; }

    /// <summary>E-mail replacements, used in turn (datatrove's defaults).</summary>
    public IReadOnlyList<string> EmailReplacements { get; init; } = ["email@example.com", "firstname.lastname@example.org"];

    /// <summary>IP replacements, used in turn (datatrove's defaults: addresses that did not answer pings).</summary>
    public IReadOnlyList<string> IpReplacements { get; init; } =
        ["22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206", "220.127.116.11", "18.104.22.168"];

    /// <summary>IPv6 replacement (a documentation address, RFC 3849).</summary>
    [JsonPropertyName("ipv6_replacement")] public string IPv6Replacement { get; init; } = "2001:db8::1";

    /// <summary>Phone number replacement (a fictional-use number).</summary>
    public string PhoneReplacement { get; init; } = "+1 555 0100";
}
