using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Strata.Data.Dedup;

/// <summary>
/// The per-document fingerprint for exact dedup: 128-bit XXH3 of the normalised text (lowercase, whitespace collapsed,
/// punctuation optionally deleted). 128 bits keeps accidental collisions negligible even across billions of documents.
/// </summary>
public static class ExactDuplicates
{
    // Normalised text is streamed through the hasher in chunks, so a long document costs no allocation.
    private const int ChunkChars = 2048;

    [ThreadStatic]
    private static XxHash128? _hasher;

    /// <summary>The fingerprint of <paramref name="text"/>; equal for texts whose normalised forms are equal.</summary>
    public static UInt128 Hash(ReadOnlySpan<char> text, ExactDedupOptions? options = null)
    {
        bool strip = (options ?? new ExactDedupOptions()).StripPunctuation;
        var hasher = _hasher ??= new XxHash128();
        hasher.Reset();
        Span<char> chunk = stackalloc char[ChunkChars];
        int written = 0;
        bool inWord = false;
        bool anyWord = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                inWord = false;
                continue;
            }
            if (strip && TextNormalization.IsPunctuation(c))
            {
                continue;
            }
            // Two slots: a separator and the character.
            if (written >= ChunkChars - 2)
            {
                hasher.Append(MemoryMarshal.AsBytes(chunk[..written]));
                written = 0;
            }
            if (!inWord && anyWord)
            {
                chunk[written++] = ' ';
            }
            inWord = anyWord = true;
            chunk[written++] = char.ToLowerInvariant(c);
        }
        hasher.Append(MemoryMarshal.AsBytes(chunk[..written]));
        return hasher.GetCurrentHashAsUInt128();
    }
}
