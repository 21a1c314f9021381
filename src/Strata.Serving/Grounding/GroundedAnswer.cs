namespace Strata.Serving.Grounding;

/// <summary>
/// One home for what a client receives of a grounded answer: its text and its citations. A model whose template
/// renders <c>documents</c> (Command R) marks its own citations; those are parsed, their tags removed, and in
/// <see cref="CitationMode.Accurate"/> each cited document is kept only when it supports the span
/// (<see cref="CitationAligner.Supports"/>). Any other answer is cited by alignment with the documents.
/// </summary>
public sealed class GroundedAnswer(IReadOnlyList<GroundingDocument> documents, CitationMode mode, bool modelCites)
{
    /// <summary>Whether the request had documents (else there are no citations and the text is as generated).</summary>
    public bool HasDocuments => documents.Count > 0;

    /// <summary>A filter for one streamed answer's deltas: removes markup for citing models, passes text otherwise.</summary>
    public CitationMarkupFilter? StreamFilter() => modelCites && HasDocuments ? new CitationMarkupFilter() : null;

    public (string Text, IReadOnlyList<Citation> Citations) Finish(string raw)
    {
        if (!HasDocuments) return (raw, []);
        if (!modelCites || !CitationMarkup.HasMarkup(raw)) return (raw, CitationAligner.Align(raw, documents, mode));
        var (text, spans) = CitationMarkup.Parse(raw);
        if (mode == CitationMode.Off) return (text, []);
        var citations = new List<Citation>();
        foreach (var span in spans)
        {
            string cited = text[span.Start..span.End];
            var sources = span.Documents.Where(i => i < documents.Count).Select(i => documents[i])
                .Where(d => mode == CitationMode.Fast || CitationAligner.Supports(cited, d))
                .ToList();
            if (sources.Count > 0) citations.Add(new Citation(span.Start, span.End, cited, sources));
        }
        return (text, citations);
    }
}
