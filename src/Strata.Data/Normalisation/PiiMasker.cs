using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Strata.Data.Normalisation;

/// <summary>
/// Replaces e-mail and IP addresses as datatrove's <c>PIIFormatter</c> does (same patterns, same replacements used in
/// turn, only public IPs by default). One difference: the turn restarts with each document instead of running on
/// across the documents a worker sees, so output does not depend on scheduling.
/// </summary>
internal static partial class PiiMasker
{
    public static string Mask(string text, NormaliseOptions o)
    {
        if (o.MaskEmails && o.EmailReplacements.Count > 0)
        {
            var i = 0;
            text = Email().Replace(text, _ => o.EmailReplacements[i++ % o.EmailReplacements.Count]);
        }
        if (o.MaskIPv4 && o.IpReplacements.Count > 0)
        {
            var i = 0;
            text = IPv4().Replace(text, m => IsMasked(m.Value, o.OnlyPublicIps) ? o.IpReplacements[i++ % o.IpReplacements.Count] : m.Value);
        }
        if (o.MaskIPv6)
        {
            text = IPv6().Replace(text, m =>
                IPAddress.TryParse(m.Value, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
                && (!o.OnlyPublicIps || IsGlobalV6(ip)) ? o.IPv6Replacement : m.Value);
        }
        if (o.MaskPhoneNumbers)
            text = Phone().Replace(text, o.PhoneReplacement);
        return text;
    }

    private static bool IsMasked(string value, bool onlyPublic) =>
        IPAddress.TryParse(value, out var ip) && (!onlyPublic || IsGlobalV4(ip.GetAddressBytes()));

    /// <summary>Python's <c>ipaddress.IPv4Address.is_global</c>: outside the IANA special-purpose blocks.</summary>
    internal static bool IsGlobalV4(byte[] b)
    {
        var v = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        (uint Net, int Bits)[] reserved =
        [
            (0x00000000, 8), (0x0A000000, 8), (0x64400000, 10), (0x7F000000, 8), (0xA9FE0000, 16), (0xAC100000, 12),
            (0xC0000000, 29), (0xC00000AA, 31), (0xC0000200, 24), (0xC0A80000, 16), (0xC6120000, 15), (0xC6336400, 24),
            (0xCB007100, 24), (0xF0000000, 4), (0xFFFFFFFF, 32),
        ];
        foreach (var (net, bits) in reserved)
        {
            var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
            if ((v & mask) == net)
                return false;
        }
        return true;
    }

    private static bool IsGlobalV6(IPAddress ip) =>
        !(IPAddress.IsLoopback(ip) || ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal || ip.IsIPv6Multicast
          || ip.GetAddressBytes() is [0x20, 0x01, 0x0d, 0xb8, ..]);

    [GeneratedRegex(@"\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?|[A-Za-z0-9-]*[A-Za-z0-9]:)])")]
    private static partial Regex Email();

    [GeneratedRegex(@"(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)")]
    private static partial Regex IPv4();

    [GeneratedRegex(@"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")]
    private static partial Regex IPv6();

    [GeneratedRegex(@"(?<![\w+])(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\w)")]
    private static partial Regex Phone();
}
