using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Tests.Ratings;

/// <summary>Battles drawn from known Bradley–Terry ratings, for tests that check the fit recovers them.</summary>
internal static class SyntheticArena
{
    public static readonly double EloScale = 400 / Math.Log(10);

    public static string Name(int model) => $"model-{model:D2}";

    /// <summary>
    /// <paramref name="count"/> battles between uniformly random distinct pairs; side A wins with probability
    /// 1 / (1 + 10^((R_B − R_A) / 400)), the Elo curve; no ties.
    /// </summary>
    public static List<Battle> Battles(Random random, IReadOnlyList<double> trueRatings, int count)
    {
        var battles = new List<Battle>(count);
        for (int n = 0; n < count; n++)
        {
            int a = random.Next(trueRatings.Count);
            int b = random.Next(trueRatings.Count - 1);
            if (b >= a) b++;
            double pA = 1 / (1 + Math.Pow(10, (trueRatings[b] - trueRatings[a]) / 400));
            battles.Add(new Battle(Name(a), Name(b), random.NextDouble() < pA ? BattleOutcome.A : BattleOutcome.B));
        }
        return battles;
    }

    /// <summary><paramref name="trueRatings"/> shifted so their mean is <paramref name="mean"/>, the fit's normalization.</summary>
    public static double[] Centered(IReadOnlyList<double> trueRatings, double mean = 1000) =>
        [.. trueRatings.Select(r => r - trueRatings.Average() + mean)];
}
