namespace Strata.Evaluation.Ratings;

/// <summary>
/// Battles checked once and turned into indices: models numbered in ordinal name order, each battle's pair of models,
/// its score for side A, and (under style control) its standardized style covariates. Every fit and every bootstrap
/// round reads these arrays instead of the records.
/// </summary>
internal sealed class BattleSet
{
    /// <summary>Names of the style covariates, in the order of <see cref="Style"/>'s columns.</summary>
    public static readonly IReadOnlyList<string> StyleFeatures = ["length", "headers", "list_items", "bold_spans"];

    private BattleSet(string[] models, int[] a, int[] b, BattleOutcome[] outcomes, double[]? style, int? anchor)
    {
        Models = models;
        A = a;
        B = b;
        Outcomes = outcomes;
        Style = style;
        Anchor = anchor;
        var pairIndex = new Dictionary<(int, int), int>();
        Pair = new int[a.Length];
        var first = new List<int>();
        var second = new List<int>();
        for (int n = 0; n < a.Length; n++)
        {
            var key = (Math.Min(a[n], b[n]), Math.Max(a[n], b[n]));
            if (!pairIndex.TryGetValue(key, out int p))
            {
                p = pairIndex[key] = first.Count;
                first.Add(key.Item1);
                second.Add(key.Item2);
            }
            Pair[n] = p;
        }
        PairFirst = [.. first];
        PairSecond = [.. second];
    }

    /// <summary>Model names, sorted ordinally: index m is model m everywhere else.</summary>
    public string[] Models { get; }

    public int Count => A.Length;

    /// <summary>Model index of side A of each battle.</summary>
    public int[] A { get; }

    /// <summary>Model index of side B of each battle.</summary>
    public int[] B { get; }

    public BattleOutcome[] Outcomes { get; }

    /// <summary>Each battle's unordered pair, an index into <see cref="PairFirst"/>/<see cref="PairSecond"/>.</summary>
    public int[] Pair { get; }

    /// <summary>The lower model index of each pair that met.</summary>
    public int[] PairFirst { get; }

    /// <summary>The higher model index of each pair that met.</summary>
    public int[] PairSecond { get; }

    /// <summary>
    /// Under style control, <see cref="StyleFeatures"/>.Count standardized covariates per battle (row-major); null
    /// otherwise.
    /// </summary>
    public double[]? Style { get; }

    /// <summary>Index of <see cref="LeaderboardOptions.AnchorModel"/>, when one is set.</summary>
    public int? Anchor { get; }

    /// <summary>Side A's score: 1 for a win, 0 for a loss, ½ for a tie or both bad (half a win for each side).</summary>
    public static double ScoreA(BattleOutcome outcome) => outcome switch
    {
        BattleOutcome.A => 1,
        BattleOutcome.B => 0,
        _ => 0.5,
    };

    /// <summary>Checks <paramref name="battles"/> against <paramref name="options"/> and indexes them.</summary>
    /// <exception cref="ArgumentException">No battles, a null battle, a blank model name, a model against itself, an
    /// undefined outcome, an anchor that never played, or (under style control) a battle without both styles or with
    /// negative counts.</exception>
    public static BattleSet Create(IReadOnlyList<Battle> battles, LeaderboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(battles);
        if (battles.Count == 0) throw new ArgumentException("no battles to rate", nameof(battles));
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (int n = 0; n < battles.Count; n++)
        {
            var battle = battles[n] ?? throw new ArgumentException($"battle {n} is null", nameof(battles));
            if (string.IsNullOrWhiteSpace(battle.ModelA) || string.IsNullOrWhiteSpace(battle.ModelB))
                throw new ArgumentException($"battle {n} has a blank model name", nameof(battles));
            if (string.Equals(battle.ModelA, battle.ModelB, StringComparison.Ordinal))
                throw new ArgumentException($"battle {n} pits {battle.ModelA} against itself", nameof(battles));
            if (!Enum.IsDefined(battle.Outcome))
                throw new ArgumentException($"battle {n} has an undefined outcome ({(int)battle.Outcome})", nameof(battles));
            if (options.StyleControl) CheckStyle(battle, n);
            names.Add(battle.ModelA);
            names.Add(battle.ModelB);
        }
        string[] models = [.. names];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int m = 0; m < models.Length; m++) index[models[m]] = m;
        int? anchor = null;
        if (options.AnchorModel is { } anchorName)
        {
            anchor = index.TryGetValue(anchorName, out int m)
                ? m
                : throw new ArgumentException($"anchor model '{anchorName}' is in none of the battles", nameof(options));
        }
        var a = new int[battles.Count];
        var b = new int[battles.Count];
        var outcomes = new BattleOutcome[battles.Count];
        for (int n = 0; n < battles.Count; n++)
        {
            a[n] = index[battles[n].ModelA];
            b[n] = index[battles[n].ModelB];
            outcomes[n] = battles[n].Outcome;
        }
        double[]? style = options.StyleControl ? StandardizedStyle(battles) : null;
        return new BattleSet(models, a, b, outcomes, style, anchor);
    }

    private static void CheckStyle(Battle battle, int n)
    {
        if (battle.StyleA is not { } styleA || battle.StyleB is not { } styleB)
            throw new ArgumentException($"style control needs StyleA and StyleB on every battle; battle {n} lacks {(battle.StyleA is null ? "StyleA" : "StyleB")}", "battles");
        foreach (var style in (ReadOnlySpan<AnswerStyle>)[styleA, styleB])
        {
            if (style.Length < 0 || style.Headers < 0 || style.ListItems < 0 || style.BoldSpans < 0)
                throw new ArgumentException($"battle {n} has a negative style count ({style})", "battles");
        }
    }

    /// <summary>
    /// LMSYS's style covariates: per feature the normalized difference (a − b) / (a + b + 1) (LMSYS's <c>add_one</c>:
    /// the +1 keeps battles where neither answer has, say, a header at 0 instead of 0/0), then each column standardized
    /// over all battles to mean 0 and population standard deviation 1. A column that never varies (no bold text in any
    /// battle) carries no information; it is left at 0 so its coefficient stays at 0.
    /// </summary>
    private static double[] StandardizedStyle(IReadOnlyList<Battle> battles)
    {
        int k = StyleFeatures.Count;
        var z = new double[battles.Count * k];
        for (int n = 0; n < battles.Count; n++)
        {
            var a = battles[n].StyleA!.Value;
            var b = battles[n].StyleB!.Value;
            z[n * k] = Ratio(a.Length, b.Length);
            z[n * k + 1] = Ratio(a.Headers, b.Headers);
            z[n * k + 2] = Ratio(a.ListItems, b.ListItems);
            z[n * k + 3] = Ratio(a.BoldSpans, b.BoldSpans);
        }
        for (int f = 0; f < k; f++)
        {
            double mean = 0;
            for (int n = 0; n < battles.Count; n++) mean += z[n * k + f];
            mean /= battles.Count;
            double variance = 0;
            for (int n = 0; n < battles.Count; n++) variance += (z[n * k + f] - mean) * (z[n * k + f] - mean);
            double sd = Math.Sqrt(variance / battles.Count);
            for (int n = 0; n < battles.Count; n++) z[n * k + f] = sd > 1e-12 ? (z[n * k + f] - mean) / sd : 0;
        }
        return z;
    }

    private static double Ratio(int a, int b) => (a - (double)b) / (a + (double)b + 1);
}
