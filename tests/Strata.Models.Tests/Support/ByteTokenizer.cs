using System.Text;
using Strata.Models.Generation;

namespace Strata.Models.Tests.Support;

/// <summary>A decoder for tests where token id = byte value (ids ≥ 256 decode to nothing).</summary>
public sealed class ByteTokenizer : ITokenDecoder
{
    public static ByteTokenizer Instance { get; } = new();

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) =>
        Encoding.UTF8.GetString(ids.Where(id => id is >= 0 and < 256).Select(id => (byte)id).ToArray());
}
