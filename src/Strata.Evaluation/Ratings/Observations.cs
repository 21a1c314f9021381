namespace Strata.Evaluation.Ratings;

/// <summary>
/// What the likelihood sums over: weighted outcomes of "First vs Second", each with its style covariates when style
/// control is on. Without style control battles are aggregated per pair of models (a pair's battles share one
/// log-odds, so their scores simply add up), which makes a fit cost O(pairs) instead of O(battles); with it each
/// battle keeps its own row, since its covariates differ.
/// </summary>
internal sealed class Observations
{
    private Observations(int[] first, int[] second, double[] won, double[] lost, double[]? features)
    {
        First = first;
        Second = second;
        Won = won;
        Lost = lost;
        Features = features;
    }

    public int Count => First.Length;

    public int[] First { get; }

    public int[] Second { get; }

    /// <summary>Weight of First winning: wins plus half the ties, times the bootstrap multiplicity.</summary>
    public double[] Won { get; }

    /// <summary>Weight of Second winning.</summary>
    public double[] Lost { get; }

    /// <summary><see cref="FeatureCount"/> covariates per row (row-major), or null without style control.</summary>
    public double[]? Features { get; }

    public int FeatureCount => Features is null ? 0 : BattleSet.StyleFeatures.Count;

    /// <summary>
    /// The rows for <paramref name="set"/>, each battle counted <paramref name="multiplicity"/>[n] times (once each when
    /// null): per pair without style control, per battle (those drawn at least once) with it.
    /// </summary>
    public static Observations Of(BattleSet set, int[]? multiplicity) =>
        set.Style is null ? ByPair(set, multiplicity) : ByBattle(set, set.Style, multiplicity);

    private static Observations ByPair(BattleSet set, int[]? multiplicity)
    {
        int pairs = set.PairFirst.Length;
        var won = new double[pairs];
        var lost = new double[pairs];
        for (int n = 0; n < set.Count; n++)
        {
            int weight = multiplicity?[n] ?? 1;
            if (weight == 0) continue;
            int p = set.Pair[n];
            double scoreA = BattleSet.ScoreA(set.Outcomes[n]);
            double firstScore = set.A[n] == set.PairFirst[p] ? scoreA : 1 - scoreA;
            won[p] += weight * firstScore;
            lost[p] += weight * (1 - firstScore);
        }
        return new Observations(set.PairFirst, set.PairSecond, won, lost, null);
    }

    private static Observations ByBattle(BattleSet set, double[] style, int[]? multiplicity)
    {
        int k = BattleSet.StyleFeatures.Count;
        int rows = 0;
        for (int n = 0; n < set.Count; n++) if ((multiplicity?[n] ?? 1) > 0) rows++;
        var first = new int[rows];
        var second = new int[rows];
        var won = new double[rows];
        var lost = new double[rows];
        var features = new double[rows * k];
        int r = 0;
        for (int n = 0; n < set.Count; n++)
        {
            int weight = multiplicity?[n] ?? 1;
            if (weight == 0) continue;
            double scoreA = BattleSet.ScoreA(set.Outcomes[n]);
            first[r] = set.A[n];
            second[r] = set.B[n];
            won[r] = weight * scoreA;
            lost[r] = weight * (1 - scoreA);
            Array.Copy(style, n * k, features, r * k, k);
            r++;
        }
        return new Observations(first, second, won, lost, features);
    }

    /// <summary>Which models appear in at least one row with weight (a bootstrap round may draw none of a model's battles).</summary>
    public bool[] Present(int models)
    {
        var present = new bool[models];
        for (int r = 0; r < Count; r++)
        {
            if (Won[r] + Lost[r] <= 0) continue;
            present[First[r]] = true;
            present[Second[r]] = true;
        }
        return present;
    }
}
