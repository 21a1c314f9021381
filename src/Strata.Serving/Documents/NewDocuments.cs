using System.Security.Cryptography;

namespace Strata.Serving.Documents;

/// <summary>What every document store checks and assigns when a document is added, so that SQLite and PostgreSQL agree.</summary>
internal static class NewDocuments
{
    /// <summary>The document's record, with a new id and the time now, once its chunks are checked.</summary>
    /// <exception cref="ArgumentException">A chunk span outside the text, or chunk vectors present without an embedder (or missing with one).</exception>
    public static StoredDocument Prepare(string tenant, string name, string mediaType, string text, IReadOnlyList<NewChunk> chunks, string? embedder, TimeProvider time)
    {
        foreach (var chunk in chunks)
        {
            if (chunk.Start < 0 || chunk.End > text.Length || chunk.Start >= chunk.End) throw new ArgumentException($"chunk span [{chunk.Start}, {chunk.End}) is not inside the text");
            if ((chunk.Vector is null) != (embedder is null)) throw new ArgumentException("chunks carry vectors exactly when an embedder is named");
        }
        return new StoredDocument(NewId(), tenant, name, mediaType, text.Length, chunks.Count, embedder, Now(time));
    }

    private static string NewId() => "doc_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    // Whole milliseconds: what both stores round-trip exactly, so a document read back equals the one Add returned.
    private static DateTimeOffset Now(TimeProvider time) => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}
