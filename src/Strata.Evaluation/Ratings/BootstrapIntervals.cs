namespace Strata.Evaluation.Ratings;

/// <summary>
/// Percentile bootstrap over battles, as Chatbot Arena does it: each round draws as many battles as there are, with
/// replacement (a multinomial resample), refits, and the interval is the 2.5th–97.5th percentile of a model's ratings
/// over the rounds.
/// </summary>
internal static class BootstrapIntervals
{
    /// <summary>
    /// Ratings per round ([round][model]); NaN for a model none of whose battles was drawn that round (its rating then
    /// says nothing), and for every model in a round that drew none of the anchor's battles.
    /// </summary>
    /// <remarks>
    /// Round r draws from <c>new Random(seeds[r])</c>, the seeds coming in order from <c>new Random(options.Seed)</c>:
    /// rounds run in parallel, yet every round sees the same draws whatever the scheduling. Each round starts Newton from
    /// the full-data fit, which is close, so a round costs a few iterations.
    /// </remarks>
    public static double[][] Rounds(BattleSet set, LeaderboardOptions options, double[] fullFit)
    {
        var seeder = new Random(options.Seed);
        var seeds = new int[options.BootstrapRounds];
        for (int r = 0; r < seeds.Length; r++) seeds[r] = seeder.Next();
        var rounds = new double[seeds.Length][];
        Parallel.For(0, seeds.Length, r =>
        {
            var random = new Random(seeds[r]);
            var multiplicity = new int[set.Count];
            for (int n = 0; n < set.Count; n++) multiplicity[random.Next(set.Count)]++;
            var rows = Observations.Of(set, multiplicity);
            double[] x = BradleyTerrySolver.Minimize(rows, set.Models.Length, options.Regularization, fullFit);
            rounds[r] = BradleyTerry.ToRatings(x, set, options, rows.Present(set.Models.Length));
        });
        return rounds;
    }
}
