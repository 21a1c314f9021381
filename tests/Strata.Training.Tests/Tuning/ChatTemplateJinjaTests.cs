using System.Text.Json;
using Strata.Models.Tokenization;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Tuning;

/// <summary>
/// The Jinja chat template written to tokenizer_config.json must produce, under an independent renderer
/// (Hugging Face's @huggingface/jinja, used by transformers.js), exactly the text Strata tunes and prompts with.
/// </summary>
public sealed class ChatTemplateJinjaTests
{
    private static readonly StrataTokenizer Tokenizer = BundledTokenizer.Load();
    private static readonly ChatFormat Format = new(Tokenizer);

    public static TheoryData<string> Conversations => new()
    {
        // Turns are separated by ¶ (the contents contain '|').
        "user:Hi¶assistant:Hello!",
        "system:You are terse.¶user:Capital of France?¶assistant:Paris.¶user:And Italy?¶assistant:Rome.",
        "user:Say <|im_end|> and {{ not_a_variable }} and {% raw %}¶assistant:Fine: <|im_end|> {{ x }}",
        "user:Ünïcödé — 日本語 🙂\nsecond line\n¶assistant:  leading spaces, \"quotes\", 'apostrophes' and a \\ backslash\n",
        "system:¶user:empty system¶assistant:",
    };

    private static List<ChatMessage> Parse(string spec) =>
        [.. spec.Split('¶').Select(turn =>
        {
            int colon = turn.IndexOf(':', StringComparison.Ordinal);
            var role = turn[..colon] switch { "system" => ChatRole.System, "user" => ChatRole.User, _ => ChatRole.Assistant };
            return new ChatMessage(role, turn[(colon + 1)..]);
        })];

    private static string RenderWithJinja(string template, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        string request = JsonSerializer.Serialize(new
        {
            template,
            messages = messages.Select(m => new { role = m.Role.ToString().ToLowerInvariant(), content = m.Content }),
            add_generation_prompt = addGenerationPrompt,
        });
        return NodeTools.RunScript("render-chat-template.mjs", request);
    }

    [Theory]
    [MemberData(nameof(Conversations))]
    public void TrainingTextMatchesJinja(string spec)
    {
        var messages = Parse(spec);
        string jinja = RenderWithJinja(ChatFormat.ChatTemplate, messages, addGenerationPrompt: false);

        Assert.Equal(jinja, ChatFormat.RenderText(messages, addGenerationPrompt: false));
        // The ids Strata trains on decode (byte-level BPE is lossless) to the same text.
        Assert.Equal(jinja, Tokenizer.Decode(Format.Render(new Conversation(messages)).InputIds));
    }

    [Theory]
    [MemberData(nameof(Conversations))]
    public void GenerationPromptMatchesJinja(string spec)
    {
        var history = Parse(spec).SkipLast(1).ToList(); // ends with a user turn
        string jinja = RenderWithJinja(ChatFormat.ChatTemplate, history, addGenerationPrompt: true);

        Assert.EndsWith("<|im_start|>assistant\n", jinja);
        Assert.Equal(jinja, ChatFormat.RenderText(history, addGenerationPrompt: true));
        Assert.Equal(jinja, Tokenizer.Decode(Format.RenderPrompt(history)));
    }

    [Fact]
    public void TemplateStoredInTokenizerConfigRendersTheSame()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        try
        {
            ChatFormat.WriteTokenizerConfig(directory);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer_config.json")));
            string template = config.RootElement.GetProperty("chat_template").GetString()!;
            var messages = Parse("system:S¶user:Q¶assistant:A");

            Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n",
                RenderWithJinja(template, messages, addGenerationPrompt: false));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
