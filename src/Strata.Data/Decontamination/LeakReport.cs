namespace Strata.Data.Decontamination;

/// <summary>
/// Which evaluation items leaked into the training data and through how many documents. Filled by
/// <see cref="DecontaminateStage"/> from every worker at once, so recording is thread-safe.
/// </summary>
public sealed class LeakReport
{
    /// <summary>How many document ids are kept per leaked item, as examples to inspect.</summary>
    public const int ExamplesPerItem = 5;

    private readonly object _gate = new();
    private readonly Dictionary<string, (int Documents, List<string> Examples)> _byItem = [];
    private int _contaminatedDocuments;

    /// <summary>Training documents that overlapped at least one item.</summary>
    public int ContaminatedDocuments
    {
        get
        {
            lock (_gate)
            {
                return _contaminatedDocuments;
            }
        }
    }

    /// <summary>Records that <paramref name="documentId"/> overlaps the items <paramref name="evalIds"/>.</summary>
    public void Record(string documentId, IReadOnlyList<string> evalIds)
    {
        if (evalIds.Count == 0)
        {
            return;
        }
        lock (_gate)
        {
            _contaminatedDocuments++;
            foreach (string evalId in evalIds)
            {
                var (documents, examples) = _byItem.TryGetValue(evalId, out var entry) ? entry : (0, new List<string>());
                if (examples.Count < ExamplesPerItem)
                {
                    examples.Add(documentId);
                }
                _byItem[evalId] = (documents + 1, examples);
            }
        }
    }

    /// <summary>Leaked items, most documents first, then by id.</summary>
    public IReadOnlyList<EvalLeak> Leaks()
    {
        lock (_gate)
        {
            return
            [
                .. _byItem
                    .Select(pair => new EvalLeak(pair.Key, pair.Value.Documents, [.. pair.Value.Examples]))
                    .OrderByDescending(leak => leak.Documents)
                    .ThenBy(leak => leak.EvalId, StringComparer.Ordinal),
            ];
        }
    }
}
