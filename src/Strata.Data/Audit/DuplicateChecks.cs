namespace Strata.Data.Audit;

/// <summary>
/// Exact and near-duplicate prompts, and the check that matters most for hand-written data: the same (or nearly
/// the same) prompt taught two substantially different answers.
/// </summary>
internal static class DuplicateChecks
{
    public static void Run(List<AuditRecord> records, AuditOptions options)
    {
        // Exact duplicates: one group per normalised prompt.
        var groups = records.GroupBy(r => TextSimilarity.Normalise(r.Prompt)).Select(g => g.ToList()).ToList();
        foreach (var group in groups.Where(g => g.Count > 1))
        {
            foreach (var record in group)
                record.Add(AuditReasons.ExactDuplicatePrompt, $"same prompt as {Lines(group.Where(o => o != record))}");
        }

        // Near duplicates between groups: only one representative per group enters the index, so thousands of
        // copies of one prompt cost one entry.
        var index = new NearDuplicateIndex(options.NearDuplicateThreshold, options.MaxComparisonsPerExample, options.ShingleWords);
        var parent = Enumerable.Range(0, groups.Count).ToArray();
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (var (other, similarity) in index.Add(TextSimilarity.Words(groups[g][0].Prompt)))
            {
                Union(parent, g, other);
                foreach (var record in groups[g])
                    record.Add(AuditReasons.NearDuplicatePrompt, $"prompt similar to {Lines(groups[other])} (similarity {similarity:0.00})");
                foreach (var record in groups[other])
                    record.Add(AuditReasons.NearDuplicatePrompt, $"prompt similar to {Lines(groups[g])} (similarity {similarity:0.00})");
            }
        }

        var clusters = Enumerable.Range(0, groups.Count).GroupBy(g => Find(parent, g)).Select(c => c.SelectMany(g => groups[g]).ToList());
        foreach (var cluster in clusters.Where(c => c.Count > 1)) FlagConflicts(cluster, options);
    }

    /// <summary>Flags each member whose answer is far from some other member's answer, naming the farthest one.</summary>
    private static void FlagConflicts(List<AuditRecord> cluster, AuditOptions options)
    {
        var answered = cluster.Where(r => !string.IsNullOrWhiteSpace(r.Answer)).ToList();
        var words = answered.Select(r => TextSimilarity.Words(r.Answer).ToHashSet(StringComparer.Ordinal)).ToList();
        for (int i = 0; i < answered.Count; i++)
        {
            int worst = -1;
            double lowest = options.ConflictThreshold;
            int compared = 0;
            for (int j = 0; j < answered.Count && compared < options.MaxComparisonsPerExample; j++)
            {
                if (j == i) continue;
                compared++;
                double similarity = TextSimilarity.Jaccard(words[i], words[j]);
                if (similarity < lowest) (worst, lowest) = (j, similarity);
            }
            if (worst >= 0)
                answered[i].Add(AuditReasons.ConflictingAnswers, $"answer differs from the one at {Lines([answered[worst]])} (word similarity {lowest:0.00})");
        }
    }

    private static string Lines(IEnumerable<AuditRecord> records)
    {
        var list = records.ToList();
        string shown = string.Join(", ", list.Take(3).Select(r => r.Id is null ? $"line {r.Line}" : $"line {r.Line} ({r.Id})"));
        return list.Count > 3 ? $"{shown} and {list.Count - 3} more" : shown;
    }

    private static int Find(int[] parent, int x)
    {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    }

    private static void Union(int[] parent, int a, int b) => parent[Find(parent, a)] = Find(parent, b);
}
