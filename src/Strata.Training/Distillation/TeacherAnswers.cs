using System.Text;
using Strata.Data.Decontamination;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Training.Tuning;

namespace Strata.Training.Distillation;

/// <summary>A run of <see cref="TeacherAnswers"/>: <c>strata distill --teacher … --prompts … --out …</c>.</summary>
public sealed record DistillOptions
{
    public required TeacherSource Teacher { get; init; }

    /// <summary>Prompt files: JSON Lines conversations (messages, Alpaca or ShareGPT); a trailing assistant turn is the reference answer.</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    public required string Output { get; init; }

    /// <summary>Self-Instruct: grow the prompts by this many new tasks the teacher writes from the given ones (0 = none).</summary>
    public int Expand { get; init; }

    /// <summary>Answers sampled per prompt (verified search: the first that passes the checks is kept).</summary>
    public int Samples { get; init; } = 1;

    /// <summary>A check every answer must pass (<see cref="AnswerVerifier"/> spec), or null.</summary>
    public string? Verify { get; init; }

    /// <summary>Where a prompt carries a reference answer, keep only teacher answers equal to it (checkable tasks).</summary>
    public bool CheckReference { get; init; }

    /// <summary>Evaluation sets (JSONL, as <c>strata data clean</c>'s decontamination reads them): an example sharing an n-gram with one is dropped.</summary>
    public IReadOnlyList<string> Decontaminate { get; init; } = [];

    public SamplingOptions Sampling { get; init; } = new() { Temperature = 0.7, MaxTokens = 256 };
}

/// <summary>What a distillation run wrote.</summary>
public sealed record DistillSummary(int Prompts, int Kept, int Dropped, int AlreadyDone, IReadOnlyDictionary<string, int> DroppedBy)
{
    /// <summary>The Self-Instruct expansion that ran first, if one was asked for.</summary>
    public ExpandSummary? Expanded { get; init; }
}

/// <summary>
/// Sequence-level distillation's data: optionally more prompts written by the teacher from the given ones
/// (<see cref="SelfInstruct"/>), then a teacher answers prompts, each answer is filtered (a prompt or answer that
/// overlaps an evaluation set, an empty answer, one truncated at the token limit, a copy of the prompt, a duplicate
/// prompt, a failed check), and kept answers become tuning data for a student (<c>answers.jsonl</c>, which
/// <c>strata tune --data</c> reads). Every dropped example is kept with its reason (<c>dropped.jsonl</c>). Both files
/// are appended one line per prompt as it finishes, so an interrupted run resumes where it stopped and never loses a
/// generated example; with a remote teacher, several prompts are in flight at once and lines land in the order they finish.
/// </summary>
public sealed class TeacherAnswers(DistillOptions options, IProgress<string>? progress = null)
{
    public const string KeptFile = "answers.jsonl", DroppedFile = "dropped.jsonl";

    public async Task<DistillSummary> RunAsync(CancellationToken cancellationToken = default)
    {
        if (options.Samples < 1) throw new ArgumentException($"--samples must be at least 1, not {options.Samples}");
        if (options.Expand < 0) throw new ArgumentException($"--expand must not be negative, not {options.Expand}");
        var verifier = options.Verify is null ? null : AnswerVerifier.Parse(options.Verify);
        var evaluation = options.Decontaminate.Count == 0 ? null
            : new EvalNGramIndex(options.Decontaminate.SelectMany(p => File.Exists(p) ? EvalItems.ReadJsonl(p)
                : throw new FileNotFoundException($"{p}: evaluation set not found (--decontaminate)", p)));
        var prompts = options.Prompts.SelectMany(p => ConversationReader.Read(p, requireAssistant: false)).ToList();
        Directory.CreateDirectory(options.Output);
        string keptPath = Path.Combine(options.Output, KeptFile), droppedPath = Path.Combine(options.Output, DroppedFile);
        var done = new HashSet<string>(Done(keptPath).Concat(Done(droppedPath)), StringComparer.Ordinal);

        using var teacher = options.Teacher.Open();
        ExpandSummary? expanded = null;
        if (options.Expand > 0)
        {
            expanded = await new SelfInstruct(teacher, options.Sampling, progress).ExpandAsync(prompts, options.Output, options.Expand, cancellationToken);
            prompts.AddRange(ConversationReader.Read(Path.Combine(options.Output, SelfInstruct.PromptsFile), requireAssistant: false));
        }
        await using var kept = Append(keptPath);
        await using var dropped = Append(droppedPath);
        using var writing = new SemaphoreSlim(1);
        var droppedBy = new Dictionary<string, int>();
        int keptCount = 0, droppedCount = 0, alreadyDone = 0;

        async Task Write(Conversation prompt, string answer, string? reason)
        {
            var record = new Conversation([.. prompt.Messages, new ChatMessage(ChatRole.Assistant, answer)]);
            await writing.WaitAsync(cancellationToken);
            try
            {
                if (reason is null)
                {
                    await kept.WriteLineAsync(ConversationJson.ToLine(record, json => json.WriteString("teacher", teacher.Name)));
                    await kept.FlushAsync(cancellationToken);
                    keptCount++;
                }
                else
                {
                    await dropped.WriteLineAsync(ConversationJson.ToLine(record, json => json.WriteString("reason", reason)));
                    await dropped.FlushAsync(cancellationToken);
                    droppedCount++;
                    droppedBy[reason] = droppedBy.GetValueOrDefault(reason) + 1;
                }
                if ((keptCount + droppedCount) % 50 == 0) progress?.Report($"{keptCount + droppedCount + alreadyDone}/{prompts.Count} prompts: {keptCount} kept, {droppedCount} dropped");
            }
            finally
            {
                writing.Release();
            }
        }

        // Which prompts to answer is settled first (resumed, duplicates), so the answering can run in any order.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var work = new List<(Conversation Prompt, string? Reference, int Index)>();
        foreach (var (conversation, index) in prompts.Select((c, i) => (c, i)))
        {
            var (prompt, reference) = Split(conversation);
            string key = ConversationJson.ToLine(prompt);
            if (done.Contains(key))
            {
                alreadyDone++;
                seen.Add(key);
            }
            else if (!seen.Add(key)) await Write(prompt, "", "duplicate prompt");
            else work.Add((prompt, reference, index));
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Teacher.ParallelismWith(teacher), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(work, parallel, async (item, token) =>
        {
            var (prompt, reference, index) = item;
            if (Overlap(evaluation, prompt.Messages.Select(m => m.Content)) is string promptLeak)
            {
                await Write(prompt, "", $"prompt overlaps evaluation item {promptLeak}");
                return;
            }
            var check = options.CheckReference && reference is not null ? AnswerVerifier.Parse("exact:" + reference) : verifier;
            var answer = await teacher.AnswerAsync(prompt.Messages, options.Sampling with { Seed = options.Sampling.Seed ?? index * 1000 }, options.Samples, check, token);
            string text = answer.Text.Trim();
            string? reason = text.Length == 0 ? "empty answer"
                : answer.Truncated ? "truncated at the token limit"
                : text == prompt.Messages[^1].Content.Trim() ? "repeats the prompt"
                : check is not null && !answer.Verified ? $"failed the check {check.Spec}"
                : Overlap(evaluation, [text]) is string answerLeak ? $"answer overlaps evaluation item {answerLeak}"
                : null;
            await Write(prompt, text, reason);
        });
        return new DistillSummary(prompts.Count, keptCount, droppedCount, alreadyDone, droppedBy) { Expanded = expanded };
    }

    /// <summary>The first evaluation item sharing an n-gram with these texts, or null.</summary>
    private static string? Overlap(EvalNGramIndex? evaluation, IEnumerable<string> texts) =>
        evaluation is null ? null : texts.Select(t => evaluation.Find(t)).FirstOrDefault(ids => ids.Count > 0)?[0];

    /// <summary>The prompt (everything before a trailing assistant turn) and that turn's text as the reference answer.</summary>
    private static (Conversation Prompt, string? Reference) Split(Conversation conversation)
    {
        var messages = conversation.Messages;
        return messages.Count > 1 && messages[^1].Role == ChatRole.Assistant
            ? (new Conversation(messages.Take(messages.Count - 1).ToList()), messages[^1].Content.Trim())
            : (conversation, null);
    }

    /// <summary>Prompts a previous run already answered (kept or dropped): their records minus the answer.</summary>
    private static IEnumerable<string> Done(string path) =>
        File.Exists(path)
            ? ConversationReader.Read(path).Select(c => ConversationJson.ToLine(new Conversation(c.Messages.Take(c.Messages.Count - 1).ToList())))
            : [];

    private static StreamWriter Append(string path) => new(path, append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
}
