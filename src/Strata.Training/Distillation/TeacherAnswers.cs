using System.Text;
using System.Text.Json.Nodes;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Models.Loading;
using Strata.Training.Tuning;

namespace Strata.Training.Distillation;

/// <summary>A run of <see cref="TeacherAnswers"/>: <c>strata distill --teacher … --prompts … --out …</c>.</summary>
public sealed record DistillOptions
{
    /// <summary>The teacher: a model folder or GGUF file Strata can load.</summary>
    public required string Teacher { get; init; }

    /// <summary>Prompt files: JSON Lines conversations (messages, Alpaca or ShareGPT); a trailing assistant turn is the reference answer.</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    public required string Output { get; init; }

    /// <summary>Answers sampled per prompt (verified search: the first that passes the checks is kept).</summary>
    public int Samples { get; init; } = 1;

    /// <summary>A check every answer must pass (<see cref="AnswerVerifier"/> spec), or null.</summary>
    public string? Verify { get; init; }

    /// <summary>Where a prompt carries a reference answer, keep only teacher answers equal to it (checkable tasks).</summary>
    public bool CheckReference { get; init; }

    public SamplingOptions Sampling { get; init; } = new() { Temperature = 0.7, MaxTokens = 256 };
}

/// <summary>What a distillation run wrote.</summary>
public sealed record DistillSummary(int Prompts, int Kept, int Dropped, int AlreadyDone, IReadOnlyDictionary<string, int> DroppedBy);

/// <summary>
/// Sequence-level distillation's data: a teacher answers prompts, each answer is filtered (empty, truncated at the token
/// limit, a copy of the prompt, a duplicate prompt, a failed check), and kept answers become tuning data for a student
/// (<c>answers.jsonl</c>, which <c>strata tune --data</c> reads). Every dropped answer is kept with its reason
/// (<c>dropped.jsonl</c>). Both files are appended one line per prompt as it finishes, so an interrupted run resumes
/// where it stopped and never loses a generated example.
/// </summary>
public sealed class TeacherAnswers(DistillOptions options, IProgress<string>? progress = null)
{
    public const string KeptFile = "answers.jsonl", DroppedFile = "dropped.jsonl";

    public async Task<DistillSummary> RunAsync(CancellationToken cancellationToken = default)
    {
        if (options.Samples < 1) throw new ArgumentException($"--samples must be at least 1, not {options.Samples}");
        var verifier = options.Verify is null ? null : AnswerVerifier.Parse(options.Verify);
        var prompts = options.Prompts.SelectMany(p => ConversationReader.ReadJsonl(p, requireAssistant: false)).ToList();
        Directory.CreateDirectory(options.Output);
        string keptPath = Path.Combine(options.Output, KeptFile), droppedPath = Path.Combine(options.Output, DroppedFile);
        var done = new HashSet<string>(Done(keptPath).Concat(Done(droppedPath)), StringComparer.Ordinal);

        var package = ModelPackage.Open(options.Teacher);
        using var backend = package.LoadBackend();
        var generator = new TextGenerator(package.LanguageModel(backend), package.Tokenizer);
        await using var kept = Append(keptPath);
        await using var dropped = Append(droppedPath);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var droppedBy = new Dictionary<string, int>();
        int keptCount = 0, droppedCount = 0, alreadyDone = 0;
        foreach (var (conversation, index) in prompts.Select((c, i) => (c, i)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (prompt, reference) = Split(conversation);
            string key = ConversationJson.ToLine(prompt);
            if (done.Contains(key))
            {
                alreadyDone++;
                seen.Add(key);
                continue;
            }
            string? reason = null;
            string answer = "";
            if (!seen.Add(key))
            {
                reason = "duplicate prompt";
            }
            else
            {
                var check = options.CheckReference && reference is not null ? AnswerVerifier.Parse("exact:" + reference) : verifier;
                var ids = package.Prompts.Encode(Messages(prompt));
                var best = (await BestOfN.SearchAsync(generator, ids, options.Sampling with { Seed = options.Sampling.Seed ?? index * 1000 },
                    options.Samples, check, stopAtFirstVerified: true, cancellationToken))[0];
                answer = best.Text.Trim();
                reason = answer.Length == 0 ? "empty answer"
                    : best.FinishReason == FinishReason.MaxTokens ? "truncated at the token limit"
                    : answer == prompt.Messages[^1].Content.Trim() ? "repeats the prompt"
                    : check is not null && !best.Verified ? $"failed the check {check.Spec}"
                    : null;
            }
            var record = new Conversation([.. prompt.Messages, new ChatMessage(ChatRole.Assistant, answer)]);
            if (reason is null)
            {
                await kept.WriteLineAsync(ConversationJson.ToLine(record, json => json.WriteString("teacher", package.DefaultName)));
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
        return new DistillSummary(prompts.Count, keptCount, droppedCount, alreadyDone, droppedBy);
    }

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
            ? ConversationReader.ReadJsonl(path).Select(c => ConversationJson.ToLine(new Conversation(c.Messages.Take(c.Messages.Count - 1).ToList())))
            : [];

    private static JsonArray Messages(Conversation prompt) =>
        new(prompt.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = ConversationRules.Name(m.Role), ["content"] = m.Content }).ToArray());

    private static StreamWriter Append(string path) => new(path, append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
}
