using System.Globalization;

namespace Strata.Bench;

/// <summary>Minimal <c>--name value</c> flags for the benchmark modes.</summary>
internal sealed class Arguments(string[] args)
{
    public int Int(string name, int fallback) => Value(name) is string v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string? Value(string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>Every value of a repeatable flag.</summary>
    public IReadOnlyList<string> All(string name) =>
        args.Select((a, i) => (a, i)).Where(p => p.a == name && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToArray();

    public string Required(string name) => Value(name) ?? throw new ArgumentException($"missing {name}");

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
