using System.Text.Json.Nodes;
using Strata.Models.Loading;
using Strata.Models.Tokenization;

namespace Strata.Models.Templates;

/// <summary>
/// Turns a conversation into prompt tokens the way the model was tuned: its own Jinja chat template when it has
/// one, ChatML otherwise. Like Hugging Face's <c>apply_chat_template</c>, the rendered text is tokenized with
/// special tokens recognised and no extra BOS (templates that want one write <c>bos_token</c> themselves).
/// </summary>
public sealed class PromptFormatter
{
    private readonly ModelMetadata metadata;
    private readonly StrataTokenizer tokenizer;
    private readonly ChatTemplate template;

    /// <exception cref="InvalidDataException">The model's chat template does not parse.</exception>
    public PromptFormatter(ModelMetadata metadata, StrataTokenizer tokenizer)
    {
        this.metadata = metadata;
        this.tokenizer = tokenizer;
        try
        {
            template = new ChatTemplate(metadata.ChatTemplate ?? ChatTemplate.ChatMlSource);
        }
        catch (TemplateException e)
        {
            throw new InvalidDataException($"tokenizer_config.json: the chat_template does not parse: {e.Message}", e);
        }
    }

    /// <summary>"jinja" when the model's template is used, "chatml" for the fallback.</summary>
    public string Format => metadata.ChatTemplate is null ? "chatml" : "jinja";

    /// <summary>
    /// Whether the model's own template renders a <c>documents</c> variable (Command R's grounded template does); when
    /// not, grounded chat puts the documents into the conversation itself.
    /// </summary>
    public bool ReadsDocuments => metadata.ChatTemplate?.Contains("documents", StringComparison.Ordinal) == true;

    /// <param name="messages">Objects with <c>role</c> and string <c>content</c> (and whatever else the template reads).</param>
    /// <param name="variables">Extra template variables, e.g. <c>documents</c> or <c>tools</c>.</param>
    /// <exception cref="TemplateException">The template refuses the conversation (<c>raise_exception</c>) or fails on it.</exception>
    public string Render(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null) =>
        Render(messages, addGenerationPrompt: true, variables);

    public IReadOnlyList<int> Encode(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null) =>
        tokenizer.Encode(Render(messages, variables), addBos: false, parseSpecialTokens: true);

    /// <summary>
    /// A whole conversation rendered for training, and where each assistant reply lies in it: from the end of the
    /// conversation up to that turn with a generation prompt (TRL's way for templates without generation markers) to
    /// the reply's end-of-turn token (the model's EOS or <c>eos_token</c>: Llama 3's <c>&lt;|eot_id|&gt;</c>, ChatML's
    /// <c>&lt;|im_end|&gt;</c>, Mistral's <c>&lt;/s&gt;</c>), or where the conversation through the reply stops agreeing
    /// with the whole (some templates open the next assistant turn whatever <c>add_generation_prompt</c> says).
    /// </summary>
    /// <exception cref="TemplateException">The template refuses the conversation, or renders a turn differently once
    /// the conversation goes on (a system message moved into the last user turn, reasoning dropped from earlier replies),
    /// so a reply has no fixed place in the text.</exception>
    public TrainingText RenderTraining(JsonArray messages)
    {
        string full = Render(messages, addGenerationPrompt: false);
        var endOfTurn = EndOfTurnTexts();
        var replies = new List<Range>();
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i]?["role"]?.GetValue<string>() != "assistant") continue;
            string before = Render(Prefix(messages, i), addGenerationPrompt: true);
            string through = Render(Prefix(messages, i + 1), addGenerationPrompt: false);
            int start = before.Length, agreed = start;
            if (!full.StartsWith(before, StringComparison.Ordinal) || !through.StartsWith(before, StringComparison.Ordinal)) throw Unstable(i);
            while (agreed < through.Length && agreed < full.Length && through[agreed] == full[agreed]) agreed++;
            string content = (messages[i]?["content"] is JsonValue value && value.TryGetValue(out string? text) ? text : "").Trim();
            int contentAt = full.IndexOf(content, start, agreed - start, StringComparison.Ordinal);
            if (contentAt < 0) throw Unstable(i);
            replies.Add(start..EndOfTurn(full, contentAt + content.Length, agreed, endOfTurn));
        }
        return new TrainingText(full, replies);
    }

    /// <summary>Just past the first end-of-turn token in <paramref name="text"/>[from, limit), or limit when there is none.</summary>
    private static int EndOfTurn(string text, int from, int limit, IReadOnlyList<string> markers)
    {
        int end = limit;
        foreach (string marker in markers)
        {
            int at = text.IndexOf(marker, from, limit - from, StringComparison.Ordinal);
            if (at >= 0) end = Math.Min(end, at + marker.Length);
        }
        return end;
    }

    private List<string> EndOfTurnTexts() =>
        [.. metadata.GenerationEosTokenIds.Select(tokenizer.IdToToken).Append(metadata.EosToken)
            .Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).Distinct()];

    private static TemplateException Unstable(int message) => new(
        $"the chat template renders message {message} or the turns before it differently once the conversation goes on, so the reply has no fixed "
        + "place in the text to train on; tune on one exchange per conversation (--stage command) or with a template whose turns only append");

    /// <summary>
    /// The ids of <see cref="RenderTraining"/> and, per id, whether it is part of a reply (the loss mask). Prompt and
    /// reply text are tokenized apart, as at inference, where the prompt ends with the generation prompt and the model
    /// writes the reply's tokens after it; special tokens are recognised everywhere, as by <c>apply_chat_template</c>.
    /// </summary>
    /// <exception cref="TemplateException">As <see cref="RenderTraining"/>.</exception>
    public (int[] Ids, bool[] Trained) EncodeTraining(JsonArray messages)
    {
        var rendered = RenderTraining(messages);
        var ids = new List<int>();
        var trained = new List<bool>();
        void Add(int start, int end, bool reply)
        {
            if (end <= start) return;
            var piece = tokenizer.Encode(rendered.Text[start..end], addBos: false, parseSpecialTokens: true);
            ids.AddRange(piece);
            trained.AddRange(Enumerable.Repeat(reply, piece.Count));
        }
        int at = 0;
        foreach (var reply in rendered.Replies)
        {
            var (start, length) = reply.GetOffsetAndLength(rendered.Text.Length);
            Add(at, start, reply: false);
            Add(start, start + length, reply: true);
            at = start + length;
        }
        Add(at, rendered.Text.Length, reply: false);
        return ([.. ids], [.. trained]);
    }

    private string Render(JsonArray messages, bool addGenerationPrompt, IReadOnlyDictionary<string, JsonNode?>? variables = null)
    {
        var context = new Dictionary<string, JsonNode?>
        {
            ["bos_token"] = metadata.BosToken ?? "",
            ["eos_token"] = metadata.EosToken ?? "",
        };
        foreach (var (name, value) in variables ?? new Dictionary<string, JsonNode?>()) context[name] = value?.DeepClone();
        return template.Render(messages, addGenerationPrompt, context);
    }

    private static JsonArray Prefix(JsonArray messages, int count) => new(messages.Take(count).Select(m => m?.DeepClone()).ToArray());
}

/// <summary>A conversation rendered by its chat template for training: the text and the ranges of the assistant's replies.</summary>
public sealed record TrainingText(string Text, IReadOnlyList<Range> Replies);
