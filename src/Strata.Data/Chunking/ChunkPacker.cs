namespace Strata.Data.Chunking;

/// <summary>Packs a section's pieces greedily into chunks that fit the budget, each after the first overlapping the one before.</summary>
internal sealed class ChunkPacker(string text, TokenCounter counter, PieceSplitter splitter, ChunkingOptions options)
{
    private readonly int max = options.MaxTokens;

    public void Pack(Section section, List<Piece> pieces, List<TextChunk> chunks)
    {
        Span? previous = null;
        for (int first = 0; first < pieces.Count;)
        {
            var (start, estimate) = Opening(previous, pieces[first]);
            int end = first + 1; // one past the chunk's last piece
            do
            {
                while (end < pieces.Count && estimate + Added(pieces, end) <= max)
                {
                    estimate += Added(pieces, end++);
                }
                // A chunk of heading lines alone says nothing; the next piece is cut finer until some of it fits.
            }
            while (end < pieces.Count && pieces[end - 1].Span.End < section.BodyStart && splitter.TryRefine(pieces, end));
            (start, end) = Verify(pieces, first, end, start, estimate);
            var span = new Span(start, pieces[end - 1].Span.End);
            chunks.Add(new TextChunk(chunks.Count, span.Start, span.End, text.Substring(span.Start, span.Length), section.Heading));
            previous = span;
            first = end;
        }
    }

    // Tokens piece k adds after piece k - 1: the whitespace between them and the piece.
    private int Added(List<Piece> pieces, int k) =>
        counter.GapCost(pieces[k - 1].Span.End, pieces[k].Span.Start) + pieces[k].Cost;

    // Where a chunk opening with `piece` starts, and its tokens so far: the overlap with the previous chunk, limited so
    // that the piece still fits beside it.
    private (int Start, int Tokens) Opening(Span? previous, Piece piece)
    {
        int alone = counter.Fixed + piece.Cost;
        if (previous is not { } before || options.OverlapTokens == 0) return (piece.Span.Start, alone);
        int gap = counter.GapCost(before.End, piece.Span.Start);
        var tail = Overlap.Find(text, counter, before, Math.Min(options.OverlapTokens, max - gap - piece.Cost));
        return tail is { } t ? (t.Start, t.Tokens + gap + piece.Cost) : (piece.Span.Start, alone);
    }

    // One count of the packed text: the sum is exact for counters that add up over whitespace, but one that merges
    // tokens across a gap can exceed it. Then pieces go from the end until the estimate has fallen by the excess (at
    // least one), and last the overlap; a single piece was counted within budget on its own.
    private (int Start, int End) Verify(List<Piece> pieces, int first, int end, int start, int estimate)
    {
        for (int tokens = Count(start, pieces[end - 1]); tokens > max; tokens = Count(start, pieces[end - 1]))
        {
            if (end - first > 1)
            {
                int target = estimate - (tokens - max);
                do
                {
                    estimate -= Added(pieces, --end);
                }
                while (end - first > 1 && estimate > target);
            }
            else if (start != pieces[first].Span.Start)
            {
                start = pieces[first].Span.Start;
            }
            else
            {
                break;
            }
        }
        return (start, end);
    }

    private int Count(int start, Piece last) => counter.Count(new Span(start, last.Span.End));
}
