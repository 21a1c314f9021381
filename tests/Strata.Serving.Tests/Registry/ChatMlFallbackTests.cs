using System.Text.Json.Nodes;
using Strata.Models.Loading;
using Strata.Models.Templates;
using Strata.Models.Tokenization;
using Strata.Serving.Registry;
using Strata.Training.Tuning;

namespace Strata.Serving.Tests.Registry;

/// <summary>A model without a chat template is prompted in ChatML, exactly as Strata's tuning renders conversations.</summary>
public sealed class ChatMlFallbackTests
{
    [Fact]
    public void ModelsWithoutATemplateGetTheTrainingChatMl()
    {
        var formatter = new PromptFormatter(new ModelMetadata(), BundledTokenizer.Load());
        var messages = JsonNode.Parse("""[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say it twice: crown"}]""")!.AsArray();
        var expected = ChatFormat.RenderText([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Say it twice: crown")], addGenerationPrompt: true);
        Assert.Equal("chatml", formatter.Format);
        Assert.Equal(expected, formatter.Render(messages));
    }
}
