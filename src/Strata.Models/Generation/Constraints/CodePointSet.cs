namespace Strata.Models.Generation.Constraints;

/// <summary>A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges: what one grammar symbol matches.</summary>
public sealed class CodePointSet : IEquatable<CodePointSet>
{
    public const int MaxCodePoint = 0x10FFFF;

    private readonly (int Low, int High)[] ranges;

    private CodePointSet((int Low, int High)[] ranges) => this.ranges = ranges;

    public IReadOnlyList<(int Low, int High)> Ranges => ranges;

    public bool IsEmpty => ranges.Length == 0;

    /// <summary>Every scalar value (the surrogates U+D800–U+DFFF are not characters and never match).</summary>
    public static CodePointSet Any { get; } = Of((0, 0xD7FF), (0xE000, MaxCodePoint));

    public static CodePointSet Empty { get; } = new([]);

    public static CodePointSet Single(int codePoint) => Of((codePoint, codePoint));

    public static CodePointSet Of(params (int Low, int High)[] ranges)
    {
        var sorted = ranges.Where(r => r.Low <= r.High).OrderBy(r => r.Low).ToList();
        var merged = new List<(int Low, int High)>();
        foreach (var (low, high) in sorted)
        {
            if (merged.Count > 0 && low <= merged[^1].High + 1) merged[^1] = (merged[^1].Low, Math.Max(merged[^1].High, high));
            else merged.Add((low, high));
        }
        return new CodePointSet([.. merged]);
    }

    public static CodePointSet Chars(string characters) => Of(characters.EnumerateRunes().Select(r => (r.Value, r.Value)).ToArray());

    public CodePointSet Union(CodePointSet other) => Of([.. ranges, .. other.ranges]);

    /// <summary>Every scalar value not in this set.</summary>
    public CodePointSet Complement() => Any.Minus(this);

    public CodePointSet Minus(CodePointSet other)
    {
        var result = new List<(int Low, int High)>();
        foreach (var (low, high) in ranges)
        {
            int from = low;
            foreach (var (cutLow, cutHigh) in other.ranges)
            {
                if (cutHigh < from || cutLow > high) continue;
                if (cutLow > from) result.Add((from, cutLow - 1));
                from = cutHigh + 1;
                if (from > high) break;
            }
            if (from <= high) result.Add((from, high));
        }
        return new CodePointSet([.. result]);
    }

    public CodePointSet Intersect(CodePointSet other) => Minus(Minus(other));

    public bool Contains(int codePoint)
    {
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (codePoint < ranges[mid].Low) hi = mid - 1;
            else if (codePoint > ranges[mid].High) lo = mid + 1;
            else return true;
        }
        return false;
    }

    public bool Equals(CodePointSet? other) => other is not null && ranges.AsSpan().SequenceEqual(other.ranges);

    public override bool Equals(object? obj) => Equals(obj as CodePointSet);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var range in ranges) hash.Add(range);
        return hash.ToHashCode();
    }
}
