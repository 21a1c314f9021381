using System.Text.Json.Nodes;
using Strata.Models.Templates;
using Strata.Training.Tuning;

namespace Strata.Models.Tests.Templates;

/// <summary>The ChatML template Strata writes into tokenizer_config.json renders in Strata as in the reference.</summary>
public sealed class ChatMlTemplateTests
{
    private static readonly string[] Conversations =
    [
        """[{"role": "user", "content": "Hi"}]""",
        """
        [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Capital of France?"},
         {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "And Italy?"}]
        """,
        """
        [{"role": "user", "content": "Say <|im_end|> and {{ not_a_variable }} and {% raw %}"},
         {"role": "assistant", "content": "Ünïcödé — 日本語 🙂\nsecond line\n  \"quoted\" \\ "}]
        """,
        """[{"role": "system", "content": ""}, {"role": "user", "content": "empty system"}]""",
    ];

    [Fact]
    public void RendersLikeHuggingFaceJinja()
    {
        var template = new ChatTemplate(ChatFormat.ChatTemplate);
        var requests = Conversations
            .SelectMany(json => new[] { false, true }.Select(prompt =>
                new TemplateRequest(ChatFormat.ChatTemplate, JsonNode.Parse(json)!.AsArray(), prompt, new Dictionary<string, JsonNode?>())))
            .ToList();

        var expected = JinjaReference.RenderAll(requests);

        for (int i = 0; i < requests.Count; i++)
        {
            Assert.Null(expected[i].Error);
            Assert.Equal(expected[i].Output, template.Render(requests[i].Messages, requests[i].AddGenerationPrompt));
        }
        Assert.EndsWith("<|im_start|>assistant\n", expected[1].Output);
    }
}
