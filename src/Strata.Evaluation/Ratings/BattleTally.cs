namespace Strata.Evaluation.Ratings;

/// <summary>Plain counts behind a leaderboard: per model wins, ties and losses; per pair battles and wins.</summary>
internal sealed class BattleTally
{
    private BattleTally(int models)
    {
        Wins = new int[models];
        Ties = new int[models];
        Losses = new int[models];
        Met = new int[models, models];
        Beat = new int[models, models];
    }

    public int[] Wins { get; }

    /// <summary>Ties and both-bad votes.</summary>
    public int[] Ties { get; }

    public int[] Losses { get; }

    /// <summary>Met[i, j]: battles between models i and j (symmetric).</summary>
    public int[,] Met { get; }

    /// <summary>Beat[i, j]: battles model i won against model j.</summary>
    public int[,] Beat { get; }

    public static BattleTally Of(BattleSet set)
    {
        var tally = new BattleTally(set.Models.Length);
        for (int n = 0; n < set.Count; n++)
        {
            int a = set.A[n], b = set.B[n];
            tally.Met[a, b]++;
            tally.Met[b, a]++;
            switch (set.Outcomes[n])
            {
                case BattleOutcome.A:
                    tally.Wins[a]++;
                    tally.Losses[b]++;
                    tally.Beat[a, b]++;
                    break;
                case BattleOutcome.B:
                    tally.Wins[b]++;
                    tally.Losses[a]++;
                    tally.Beat[b, a]++;
                    break;
                default:
                    tally.Ties[a]++;
                    tally.Ties[b]++;
                    break;
            }
        }
        return tally;
    }

    /// <summary>Battles i won out of the non-tied battles between i and j; NaN where there were none.</summary>
    public double WinRate(int i, int j)
    {
        int decided = Beat[i, j] + Beat[j, i];
        return decided == 0 ? double.NaN : Beat[i, j] / (double)decided;
    }
}
