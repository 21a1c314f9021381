using System.Text.Json.Nodes;
using Strata.Data.Pipeline;

namespace Strata.Data.Tests.Pipeline;

/// <summary>Removes documents containing a word; prose-only so code passes around it.</summary>
internal sealed class DropWordStage(string word) : IDocumentStage
{
    public string Name => "drop_" + word;

    public bool ProseOnly => true;

    public StageResult Apply(Document document) =>
        document.Text.Contains(word, StringComparison.Ordinal) ? StageResult.Remove("contains_" + word) : StageResult.Keep(document);
}

/// <summary>Rewrites text to upper case and tags it.</summary>
internal sealed class UpperCaseStage : IDocumentStage
{
    public string Name => "upper";

    public StageResult Apply(Document document)
    {
        document.Meta["upper"] = true;
        return StageResult.Keep(document.WithText(document.Text.ToUpperInvariant()), ["seen"]);
    }
}

/// <summary>Throws on one marker, as a buggy stage might.</summary>
internal sealed class ThrowingStage : IDocumentStage
{
    public string Name => "throws";

    public StageResult Apply(Document document) =>
        document.Text.Contains("BOOM", StringComparison.Ordinal) ? throw new InvalidOperationException("boom") : StageResult.Keep(document);
}

/// <summary>Exact deduplication by the text's length and first characters: enough to exercise the corpus step.</summary>
internal sealed class SameTextStage : ICorpusStage
{
    public string Name => "same_text";

    public int FingerprintWidth => 2;

    public void Fingerprint(Document document, Span<ulong> fingerprint)
    {
        fingerprint[0] = (ulong)document.Text.Length;
        fingerprint[1] = (ulong)document.Text.GetHashCode(StringComparison.Ordinal);
    }

    public CorpusDecision Decide(ReadOnlySpan<long> keys, ReadOnlySpan<ulong> fingerprints)
    {
        var first = new Dictionary<(ulong, ulong), long>();
        var removed = new Dictionary<long, string>();
        for (int i = 0; i < keys.Length; i++)
        {
            var print = (fingerprints[2 * i], fingerprints[2 * i + 1]);
            if (!first.TryAdd(print, keys[i])) removed[keys[i]] = "duplicate";
        }
        return new CorpusDecision(removed, new JsonObject { ["duplicates"] = removed.Count });
    }
}

/// <summary>A corpus stage whose fingerprinting breaks after a few documents, as a bug or a full disk would.</summary>
internal sealed class FailingFingerprintStage(int afterDocuments) : ICorpusStage
{
    private int seen;

    public string Name => "failing_fingerprint";

    public int FingerprintWidth => 1;

    public void Fingerprint(Document document, Span<ulong> fingerprint)
    {
        if (Interlocked.Increment(ref seen) > afterDocuments) throw new InvalidOperationException("fingerprint failed");
        fingerprint[0] = 0;
    }

    public CorpusDecision Decide(ReadOnlySpan<long> keys, ReadOnlySpan<ulong> fingerprints) => new(new Dictionary<long, string>(), null);
}
