namespace Strata.Data.Pipeline;

/// <summary>
/// One pass over every shard: per-document stages, then the corpus stages that decide on its output before the next
/// pass starts. A pipeline splits at its corpus stages: <c>filters… dedup… decontaminate</c> is two passes.
/// </summary>
internal sealed record PipelineSegment(int Index, IReadOnlyList<IDocumentStage> Stages, IReadOnlyList<ICorpusStage> CorpusStages)
{
    /// <summary>Where each corpus stage's words start in a document's combined fingerprint (computed once, read per document).</summary>
    public int[] FingerprintOffsets { get; } = [.. CorpusStages.Select((_, j) => CorpusStages.Take(j).Sum(c => c.FingerprintWidth))];

    /// <summary>Words in a document's combined fingerprint: every corpus stage's, end to end.</summary>
    public int FingerprintWidth { get; } = CorpusStages.Sum(c => c.FingerprintWidth);

    public string Describe() => Stages.Count + CorpusStages.Count == 0
        ? "dropping duplicates, writing the output"
        : string.Join(" → ", Stages.Select(s => s.Name).Concat(CorpusStages.Select(s => s.Name + " (fingerprints)")));

    public static IReadOnlyList<PipelineSegment> Split(IReadOnlyList<object> stages)
    {
        var segments = new List<PipelineSegment>();
        var documentStages = new List<IDocumentStage>();
        var corpusStages = new List<ICorpusStage>();
        foreach (var stage in stages)
        {
            switch (stage)
            {
                case ICorpusStage corpus:
                    corpusStages.Add(corpus);
                    break;
                case IDocumentStage document:
                    if (corpusStages.Count > 0) Close();
                    documentStages.Add(document);
                    break;
                default:
                    throw new ArgumentException($"{stage.GetType().Name} is neither a document nor a corpus stage");
            }
        }
        Close();
        // Corpus stages at the very end still need a pass that drops what they decided.
        if (segments[^1].CorpusStages.Count > 0) segments.Add(new PipelineSegment(segments.Count, [], []));
        return segments;

        void Close()
        {
            segments.Add(new PipelineSegment(segments.Count, documentStages.ToArray(), corpusStages.ToArray()));
            documentStages.Clear();
            corpusStages.Clear();
        }
    }
}
