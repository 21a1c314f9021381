using Strata.Models.Loading;
using Strata.Models.Templates;

namespace Strata.Training.Tuning;

/// <summary>
/// How tuning turns conversations into tokens and which files a tuned model folder needs to chat the same way:
/// Strata's ChatML (<see cref="ChatFormat"/>) for Strata's own models and models without a chat template, or the
/// model's own template (<see cref="TemplateChatFormat"/>), as TRL and torchtune tune Llama 3 or Mistral in theirs.
/// </summary>
public interface IChatFormat
{
    /// <summary>Ids and loss mask of a training conversation: true on the assistant's replies and their end of turn.</summary>
    /// <exception cref="ArgumentException">The conversation breaks the turn rules, or the template refuses it.</exception>
    TokenizedExample Render(Conversation conversation);

    /// <summary>Ids of a conversation so far, with the assistant's turn opened for the model to complete.</summary>
    int[] RenderPrompt(IReadOnlyList<ChatMessage> history);

    /// <summary>What the format is, for the run's log ("ChatML", "the model's own chat template").</summary>
    string Description { get; }

    /// <summary>Ids that end an assistant turn, so generation stops there.</summary>
    IReadOnlyList<int> EndOfTurnIds { get; }

    /// <summary>Writes the chat files (tokenizer_config.json and the like) a folder tuned in this format needs.</summary>
    void WriteChatFiles(string directory);

    /// <summary>The format a model is tuned in: its own template when it has one other than Strata's ChatML.</summary>
    /// <exception cref="ArgumentException">No template, and the tokenizer lacks ChatML's special tokens.</exception>
    static IChatFormat For(ModelPackage package) =>
        package.Metadata.ChatTemplate is null || package.Metadata.ChatTemplate == ChatTemplate.ChatMlSource
            ? new ChatFormat(package.Tokenizer)
            : new TemplateChatFormat(package);
}
