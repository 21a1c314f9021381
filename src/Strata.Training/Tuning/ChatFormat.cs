using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Tokenization;

namespace Strata.Training.Tuning;

/// <summary>
/// ChatML, the dialogue format of Qwen, Hermes and many others: each message is
/// <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>. The markers are the tokenizer's reserved special ids;
/// roles and contents are encoded as plain text, so a user who types "&lt;|im_end|&gt;" cannot end a turn.
/// </summary>
public sealed class ChatFormat : IChatFormat
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>The Jinja equivalent of <see cref="RenderText"/>, written into tokenizer_config.json.</summary>
    public const string ChatTemplate = Strata.Models.Templates.ChatTemplate.ChatMlSource;

    private readonly StrataTokenizer _tokenizer;
    private readonly int _imStart;
    private readonly int _imEnd;

    /// <exception cref="ArgumentException">&lt;|im_start|&gt; or &lt;|im_end|&gt; is not a special token of the tokenizer.</exception>
    public ChatFormat(StrataTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _imStart = Special(tokenizer, ImStart);
        _imEnd = Special(tokenizer, ImEnd);
    }

    private static int Special(StrataTokenizer tokenizer, string token) =>
        tokenizer.SpecialTokens.TryGetValue(token, out int id) ? id : throw new ArgumentException(
            $"ChatML needs {token} to be a special token of the tokenizer, but it is not " +
            $"(special tokens: {string.Join(", ", tokenizer.SpecialTokens.Keys)}). Add {ImStart} and {ImEnd} as " +
            "special added tokens, as the bundled tokenizer does.", nameof(tokenizer));

    public int ImStartId => _imStart;

    /// <summary>The id that ends an assistant turn: generation should stop on it.</summary>
    public int ImEndId => _imEnd;

    public string Description => "ChatML";

    public IReadOnlyList<int> EndOfTurnIds => [_imEnd];

    /// <summary>Writes ChatML's tokenizer_config.json (<see cref="WriteTokenizerConfig"/>).</summary>
    public void WriteChatFiles(string directory) => WriteTokenizerConfig(directory);

    /// <summary>Tokenizes a training conversation. InputIds and LossMask have one entry per token; the mask is true
    /// exactly on assistant content tokens and the &lt;|im_end|&gt; closing each assistant turn (so the model learns
    /// to stop), false on system and user turns, role headers and the newline after each &lt;|im_end|&gt;.</summary>
    /// <exception cref="ArgumentException">The conversation does not alternate user/assistant after an optional
    /// system message, or has no assistant turn.</exception>
    public TokenizedExample Render(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        Validate(conversation.Messages, requireAssistant: true);
        var ids = new List<int>();
        var mask = new List<bool>();
        foreach (var piece in Pieces(conversation.Messages, addGenerationPrompt: false))
        {
            int before = ids.Count;
            Append(piece, ids);
            for (int i = before; i < ids.Count; i++) mask.Add(piece.Trained);
        }
        return new TokenizedExample([.. ids], [.. mask]);
    }

    /// <summary>Tokenizes a conversation so far and opens an assistant turn (<c>&lt;|im_start|&gt;assistant\n</c>)
    /// for the model to complete; stop generating at <see cref="ImEndId"/>.</summary>
    /// <exception cref="ArgumentException">The history is empty, does not alternate, or does not end with a user turn.</exception>
    public int[] RenderPrompt(IReadOnlyList<ChatMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        Validate(history, requireAssistant: false);
        if (history[^1].Role is not (ChatRole.User or ChatRole.Tool))
            throw new ArgumentException("a generation prompt must end with a user message or a tool result", nameof(history));
        var ids = new List<int>();
        foreach (var piece in Pieces(history, addGenerationPrompt: true)) Append(piece, ids);
        return [.. ids];
    }

    /// <summary>The text that <see cref="Render"/> and <see cref="RenderPrompt"/> tokenize, built from the same
    /// pieces; equal to <see cref="ChatTemplate"/> rendered by Jinja. No validation, so any message list renders.</summary>
    public static string RenderText(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        foreach (var piece in Pieces(messages, addGenerationPrompt)) text.Append(piece.Text);
        return text.ToString();
    }

    /// <summary>
    /// Writes <c>tokenizer_config.json</c> in <paramref name="modelDirectory"/> (keeping any other keys already there)
    /// with <c>chat_template</c> = <see cref="ChatTemplate"/>, <c>eos_token</c> = &lt;|im_end|&gt;,
    /// <c>pad_token</c> and <c>bos_token</c>. The eos is &lt;|im_end|&gt;, as in Qwen2.5-Instruct, because a tuned
    /// chat model ends its answer with &lt;|im_end|&gt; and never with &lt;|endoftext|&gt;: Hugging Face's generate
    /// and Strata's loader (which reads eos_token from this file) then stop at the end of the assistant turn.
    /// </summary>
    /// <param name="bosToken">Written as bos_token; null writes JSON null (the chat template never emits a bos).</param>
    /// <param name="padToken">Padding token; its id never reaches the loss (padding targets are -100).</param>
    public static void WriteTokenizerConfig(string modelDirectory, string? bosToken = null,
        string padToken = BundledTokenizer.EndOfText)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        Directory.CreateDirectory(modelDirectory);
        string path = Path.Combine(modelDirectory, "tokenizer_config.json");
        JsonObject config;
        try
        {
            config = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: not a JSON object") : [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        config["bos_token"] = bosToken;
        config["eos_token"] = ImEnd;
        config["pad_token"] = padToken;
        config["chat_template"] = ChatTemplate;
        if (!config.ContainsKey("tokenizer_class")) config["tokenizer_class"] = "PreTrainedTokenizerFast";
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    private static void Validate(IReadOnlyList<ChatMessage> messages, bool requireAssistant)
    {
        string? problem = ConversationRules.Check(messages, requireAssistant);
        if (problem is not null) throw new ArgumentException(problem, nameof(messages));
    }

    /// <summary>A run of text with one loss-mask value; Special marks &lt;|im_start|&gt; / &lt;|im_end|&gt;.</summary>
    private readonly record struct Piece(string Text, bool Special, bool Trained);

    private void Append(Piece piece, List<int> ids)
    {
        if (piece.Special) ids.Add(piece.Text == ImStart ? _imStart : _imEnd);
        else ids.AddRange(_tokenizer.Encode(piece.Text, addBos: false, parseSpecialTokens: false));
    }

    // One source of truth for both the text (checked against Jinja) and the token ids. Role header, content and
    // trailing newline are encoded separately so the mask boundary always falls between tokens; with byte-level
    // pre-tokenizers this gives the same ids as encoding the whole turn, unless a content begins with whitespace.
    private static IEnumerable<Piece> Pieces(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        foreach (var message in messages)
        {
            bool assistant = message.Role == ChatRole.Assistant;
            yield return new Piece(ImStart, true, false);
            yield return new Piece(ConversationRules.Name(message.Role) + "\n", false, false);
            if (message.Content.Length > 0) yield return new Piece(message.Content, false, assistant);
            yield return new Piece(ImEnd, true, assistant);
            yield return new Piece("\n", false, false);
        }
        if (addGenerationPrompt)
        {
            yield return new Piece(ImStart, true, false);
            yield return new Piece("assistant\n", false, false);
        }
    }
}
