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
    public string Render(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null)
    {
        var context = new Dictionary<string, JsonNode?>
        {
            ["bos_token"] = metadata.BosToken ?? "",
            ["eos_token"] = metadata.EosToken ?? "",
        };
        foreach (var (name, value) in variables ?? new Dictionary<string, JsonNode?>()) context[name] = value?.DeepClone();
        return template.Render(messages, addGenerationPrompt: true, context);
    }

    public IReadOnlyList<int> Encode(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null) =>
        tokenizer.Encode(Render(messages, variables), addBos: false, parseSpecialTokens: true);
}
