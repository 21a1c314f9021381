using System.Text.Json.Nodes;
using Strata.Models.Loading;
using Strata.Models.Templates;

namespace Strata.Training.Tuning;

/// <summary>
/// Tuning in a model's own chat template (Llama 3's headers, Mistral's [INST], Gemma's turns…), so a tuned or
/// LoRA-adapted open-weight model keeps the format its users and servers already speak. The template renders the
/// text and marks the replies (<see cref="PromptFormatter.EncodeTraining"/>); the folder keeps the model's own
/// tokenizer_config.json and generation_config.json.
/// </summary>
public sealed class TemplateChatFormat(ModelPackage package) : IChatFormat
{
    private static readonly string[] ChatFiles = ["tokenizer_config.json", "generation_config.json", "special_tokens_map.json"];

    public string Description => "the model's own chat template";

    public IReadOnlyList<int> EndOfTurnIds => package.EndOfSequenceIds;

    public TokenizedExample Render(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        if (ConversationRules.Check(conversation.Messages, requireAssistant: true) is { } problem) throw new ArgumentException(problem, nameof(conversation));
        try
        {
            var (ids, trained) = package.Prompts.EncodeTraining(ToJson(conversation.Messages));
            return new TokenizedExample(ids, trained);
        }
        catch (TemplateException e)
        {
            throw new ArgumentException($"{package.Path}: the chat template refuses a conversation (its first message: \"{Preview(conversation.Messages[0].Content)}\"): {e.Message}", nameof(conversation), e);
        }
    }

    public int[] RenderPrompt(IReadOnlyList<ChatMessage> history) => [.. package.Prompts.Encode(ToJson(history))];

    public void WriteChatFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (string name in ChatFiles)
        {
            string source = Path.Combine(package.Path, name), target = Path.Combine(directory, name);
            if (File.Exists(source) && Path.GetFullPath(source) != Path.GetFullPath(target)) File.Copy(source, target, overwrite: true);
        }
    }

    private static JsonArray ToJson(IReadOnlyList<ChatMessage> messages) =>
        new(messages.Select(m => (JsonNode?)new JsonObject { ["role"] = ConversationRules.Name(m.Role), ["content"] = m.Content }).ToArray());

    private static string Preview(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
