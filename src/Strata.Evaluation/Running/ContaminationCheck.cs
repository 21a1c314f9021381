using Strata.Data.Decontamination;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Running;

/// <summary>Which items of which tasks share an n-gram with the training data.</summary>
/// <param name="Items">Contaminated doc ids per task name.</param>
/// <param name="TrainingDocuments">Training texts read.</param>
/// <param name="N">Words per n-gram (13, as lm-evaluation-harness and GPT-3).</param>
public sealed record ContaminationReport(IReadOnlyDictionary<string, IReadOnlySet<int>> Items, long TrainingDocuments, IReadOnlyList<string> Files, int N)
{
    public bool IsContaminated(string task, int docId) => Items.TryGetValue(task, out var ids) && ids.Contains(docId);
}

/// <summary>
/// The harness's decontamination check, run on every evaluation given training data: each item's text (its
/// <c>doc_to_decontamination_query</c>, else prompt + target) is indexed by word 13-grams with <c>Strata.Data</c>'s
/// decontamination index (lowercased, punctuation removed, as the harness's janitor), and the training corpora are
/// streamed once against it.
/// </summary>
public static class ContaminationCheck
{
    public static ContaminationReport Run(IReadOnlyList<(string Task, IReadOnlyList<TaskInstance> Instances)> tasks, IReadOnlyList<string> trainingFiles,
        int n = 13, IProgress<long>? documentsRead = null, CancellationToken cancellationToken = default)
    {
        var items = tasks.SelectMany(t => t.Instances.Select(i => new EvalItem(Key(t.Task, i.Row.Index), i.DecontaminationText)));
        var index = new EvalNGramIndex(items, new DecontaminationOptions(n, DecontaminationMode.Flag));
        var hits = new HashSet<string>(StringComparer.Ordinal);
        long documents = 0;
        foreach (string file in trainingFiles)
        {
            foreach (string text in TrainingTexts.Read(file, cancellationToken))
            {
                foreach (string id in index.Find(text)) hits.Add(id);
                if (++documents % 1000 == 0) documentsRead?.Report(documents);
            }
        }
        documentsRead?.Report(documents);
        var byTask = tasks.ToDictionary(t => t.Task, t => (IReadOnlySet<int>)t.Instances.Select(i => i.Row.Index).Where(id => hits.Contains(Key(t.Task, id))).ToHashSet(), StringComparer.Ordinal);
        return new ContaminationReport(byTask, documents, trainingFiles, n);
    }

    private static string Key(string task, int docId) => $"{task}\u0000{docId}";
}
