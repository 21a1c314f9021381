namespace Strata.Data.Tests.Dedup;

/// <summary>
/// Passages of real text and copies mutated at controlled rates: each word is, with the copy's rate, replaced by a
/// random corpus word, deleted, or preceded by an inserted one. Rates from 0.5% to 12% give 5-gram Jaccard similarities
/// from about 0.97 down to about 0.4, straddling the 0.8 target on both sides.
/// </summary>
internal static class MutatedCorpus
{
    private static readonly double[] Rates = [0.005, 0.01, 0.02, 0.03, 0.04, 0.06, 0.12];

    public static (List<string> Texts, List<string[]> Words) Build(string path, int basePassages, int seed)
    {
        string[] all = ShingleSets.Words(File.ReadAllText(path));
        const int passageWords = 150;
        int stride = all.Length / basePassages;
        var random = new Random(seed);
        var documents = new List<string[]>();
        for (int p = 0; p < basePassages; p++)
        {
            string[] passage = all[(p * stride)..(p * stride + passageWords)];
            documents.Add(passage);
            foreach (double rate in Rates)
            {
                documents.Add(Mutate(passage, rate, all, random));
            }
        }
        // Shuffle so document keys say nothing about families.
        var shuffled = documents.OrderBy(_ => random.Next()).ToList();
        return ([.. shuffled.Select(w => string.Join(' ', w))], shuffled);
    }

    private static string[] Mutate(string[] words, double rate, string[] vocabulary, Random random)
    {
        var result = new List<string>(words.Length + 8);
        foreach (string word in words)
        {
            if (random.NextDouble() >= rate)
            {
                result.Add(word);
                continue;
            }
            switch (random.Next(3))
            {
                case 0:
                    result.Add(vocabulary[random.Next(vocabulary.Length)]);
                    break;
                case 1:
                    break;
                default:
                    result.Add(vocabulary[random.Next(vocabulary.Length)]);
                    result.Add(word);
                    break;
            }
        }
        return [.. result];
    }
}
