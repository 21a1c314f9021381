using System.Text;
using Strata.Models.Generation;
using Strata.Training.Tuning;

namespace Strata.Training.Distillation;

/// <summary>What an expansion wrote.</summary>
public sealed record ExpandSummary(int Generated, int Dropped, int AlreadyThere, IReadOnlyDictionary<string, int> DroppedBy);

/// <summary>
/// Self-Instruct (Wang et al. 2023): a teacher is shown a few seed tasks at a time and asked for a new one; a new task
/// is kept unless it is empty, too long, or too close to a task already in the pool (word-level ROUGE-L ≥ 0.7, the
/// paper's threshold), and kept tasks join the pool the next examples are drawn from. Kept prompts are appended to
/// <c>prompts.jsonl</c> and rejected ones to <c>dropped-prompts.jsonl</c> with their reason, one line each as they come,
/// so a rerun resumes with the pool it had.
/// </summary>
public sealed class SelfInstruct(ITeacher teacher, SamplingOptions sampling, IProgress<string>? progress = null)
{
    public const string PromptsFile = "prompts.jsonl", DroppedFile = "dropped-prompts.jsonl";
    public const double MaxSimilarity = 0.7;
    public const int ExamplesPerRequest = 3, MaxPromptCharacters = 2000;

    /// <summary>The request shown to the teacher: numbered examples, then the ask.</summary>
    public static string Request(IReadOnlyList<string> examples)
    {
        var text = new StringBuilder("Here are some tasks:\n");
        for (int i = 0; i < examples.Count; i++) text.Append(i + 1).Append(". ").Append(examples[i].Replace('\n', ' ')).Append('\n');
        return text.Append("Write one new task of the same kind, different from these. Reply with the task only.").ToString();
    }

    /// <summary>Adds new tasks to <paramref name="output"/>/prompts.jsonl until it holds <paramref name="count"/>, giving up after 4 × count attempts.</summary>
    /// <param name="seeds">The tasks to imitate: each conversation's last user message.</param>
    public async Task<ExpandSummary> ExpandAsync(IReadOnlyList<Conversation> seeds, string output, int count, CancellationToken cancellationToken = default)
    {
        var seedTasks = seeds.Select(c => c.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Content.Trim()).OfType<string>().Where(t => t.Length > 0).ToList();
        if (seedTasks.Count == 0) throw new ArgumentException("--expand needs seed prompts with a user message");
        Directory.CreateDirectory(output);
        string keptPath = Path.Combine(output, PromptsFile), droppedPath = Path.Combine(output, DroppedFile);
        var generated = File.Exists(keptPath) ? ConversationReader.Read(keptPath, requireAssistant: false).Select(c => c.Messages[^1].Content).ToList() : [];
        int attempts = generated.Count + (File.Exists(droppedPath) ? File.ReadLines(droppedPath).Count(l => l.Length > 0) : 0);
        int alreadyThere = generated.Count;
        var pool = seedTasks.Concat(generated).ToList();
        var words = pool.Select(Words).ToList();
        var droppedBy = new Dictionary<string, int>();
        int kept = 0, dropped = 0;
        await using var keptFile = new StreamWriter(keptPath, append: true, new UTF8Encoding(false));
        await using var droppedFile = new StreamWriter(droppedPath, append: true, new UTF8Encoding(false));
        while (generated.Count < count && attempts < 4 * count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Examples are drawn from the pool by the attempt's number, so a resumed run asks what the first would have.
            var random = new Random(attempts);
            var examples = pool.OrderBy(_ => random.Next()).Take(ExamplesPerRequest).ToList();
            var answer = await teacher.AnswerAsync([new ChatMessage(ChatRole.User, Request(examples))], sampling with { Seed = (sampling.Seed ?? 0) + attempts },
                1, null, cancellationToken);
            attempts++;
            string task = answer.Text.Trim();
            var taskWords = Words(task);
            double closest = words.Count == 0 ? 0 : words.Max(w => RougeL(taskWords, w));
            string? reason = task.Length == 0 ? "empty task"
                : answer.Truncated || task.Length > MaxPromptCharacters ? "too long"
                : closest >= MaxSimilarity ? $"too similar to an existing task (ROUGE-L {closest:F2})"
                : null;
            var record = new Conversation([new ChatMessage(ChatRole.User, task)]);
            if (reason is null)
            {
                await keptFile.WriteLineAsync(ConversationJson.ToLine(record));
                await keptFile.FlushAsync(cancellationToken);
                generated.Add(task);
                pool.Add(task);
                words.Add(taskWords);
                kept++;
            }
            else
            {
                await droppedFile.WriteLineAsync(ConversationJson.ToLine(record, json => json.WriteString("reason", reason)));
                await droppedFile.FlushAsync(cancellationToken);
                dropped++;
                droppedBy[reason.Split(" (")[0]] = droppedBy.GetValueOrDefault(reason.Split(" (")[0]) + 1;
            }
            if (attempts % 25 == 0) progress?.Report($"self-instruct: {generated.Count}/{count} new tasks after {attempts} attempts");
        }
        return new ExpandSummary(kept, dropped, alreadyThere, droppedBy);
    }

    private static string[] Words(string text) =>
        text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('.', ',', '?', '!', ':', ';', '"', '\'')).Where(w => w.Length > 0).ToArray();

    /// <summary>ROUGE-L F-measure of two word sequences: from their longest common subsequence (Lin 2004, β = 1).</summary>
    public static double RougeL(IReadOnlyList<string> candidate, IReadOnlyList<string> reference)
    {
        if (candidate.Count == 0 || reference.Count == 0) return 0;
        var previous = new int[reference.Count + 1];
        var current = new int[reference.Count + 1];
        for (int i = 1; i <= candidate.Count; i++)
        {
            for (int j = 1; j <= reference.Count; j++)
            {
                current[j] = candidate[i - 1] == reference[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }
            (previous, current) = (current, previous);
        }
        double lcs = previous[reference.Count];
        if (lcs == 0) return 0;
        double precision = lcs / candidate.Count, recall = lcs / reference.Count;
        return 2 * precision * recall / (precision + recall);
    }
}
