using System.Runtime.CompilerServices;
using System.Text;
using Strata.Models.Tokenization;

namespace Strata.Models.Generation.Constraints;

/// <summary>
/// A vocabulary's tokens as the bytes they add to the text, in a trie: tokens that share a prefix share its nodes, so a
/// grammar walking the trie tests each prefix once and drops a whole subtree at the first byte it rejects. Special tokens
/// (EOS and the like) are left out: the constraint decides about them itself. Built once per tokenizer.
/// </summary>
public sealed class TokenTrie
{
    private static readonly ConditionalWeakTable<ITokenDecoder, TokenTrie> Cache = [];

    /// <summary>Children of node i: <see cref="FirstChild"/>[i] .. by <see cref="NextSibling"/>, each with its <see cref="EdgeByte"/>.</summary>
    internal readonly List<int> FirstChild = [-1], NextSibling = [-1];
    internal readonly List<byte> EdgeByte = [0];

    /// <summary>The tokens whose bytes end at node i.</summary>
    internal readonly int[][] Ending;

    private TokenTrie(IReadOnlyList<byte[]?> tokenBytes, IReadOnlyDictionary<int, byte[]>? specialText = null)
    {
        TokenBytes = tokenBytes;
        SpecialText = specialText ?? new Dictionary<int, byte[]>();
        var ending = new List<List<int>> { new() };
        for (int id = 0; id < tokenBytes.Count; id++)
        {
            if (tokenBytes[id] is not { Length: > 0 } bytes) continue;
            int node = 0;
            foreach (byte b in bytes) node = Child(node, b, ending);
            ending[node].Add(id);
        }
        Ending = ending.Select(ids => ids.ToArray()).ToArray();
    }

    /// <summary>Each token's bytes (null for special tokens and ids beyond the tokenizer's vocabulary).</summary>
    public IReadOnlyList<byte[]?> TokenBytes { get; }

    /// <summary>Special tokens' own text (<c>[TOOL_CALLS]</c>, <c>&lt;|im_end|&gt;</c>), for constraints that watch for a special token without masking it.</summary>
    public IReadOnlyDictionary<int, byte[]> SpecialText { get; }

    public int Nodes => FirstChild.Count;

    /// <summary>The trie of a tokenizer's vocabulary (cached per tokenizer).</summary>
    public static TokenTrie For(ITokenDecoder tokenizer) => Cache.GetValue(tokenizer, Build);

    private static TokenTrie Build(ITokenDecoder decoder)
    {
        if (decoder is StrataTokenizer tokenizer)
        {
            var specials = tokenizer.SpecialTokens.Values.ToHashSet();
            return new TokenTrie(Enumerable.Range(0, tokenizer.VocabularySize)
                .Select(id => specials.Contains(id) ? null : tokenizer.DecodeBytes([id], skipSpecialTokens: true)).ToArray(),
                tokenizer.SpecialTokens.ToDictionary(pair => pair.Value, pair => Encoding.UTF8.GetBytes(pair.Key)));
        }
        // Another decoder (tests): tokens as the UTF-8 of their text; ids stop at the first that does not decode.
        var bytes = new List<byte[]?>();
        for (int id = 0; id < 1 << 20; id++)
        {
            string text;
            try
            {
                text = decoder.Decode([id], skipSpecialTokens: true);
            }
            catch (ArgumentException)
            {
                break;
            }
            bytes.Add(text.Length == 0 ? null : Encoding.UTF8.GetBytes(text));
        }
        return new TokenTrie(bytes);
    }

    /// <summary>Creates a trie from explicit token bytes (tests, and tokenizers other than Strata's).</summary>
    public static TokenTrie From(IReadOnlyList<byte[]?> tokenBytes) => new(tokenBytes);

    private int Child(int node, byte b, List<List<int>> ending)
    {
        for (int child = FirstChild[node]; child >= 0; child = NextSibling[child])
        {
            if (EdgeByte[child] == b) return child;
        }
        int created = FirstChild.Count;
        FirstChild.Add(-1);
        NextSibling.Add(FirstChild[node]);
        EdgeByte.Add(b);
        ending.Add([]);
        FirstChild[node] = created;
        return created;
    }
}
