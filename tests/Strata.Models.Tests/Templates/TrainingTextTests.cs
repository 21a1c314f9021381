using System.Text.Json.Nodes;
using Strata.Models.Loading;
using Strata.Models.Templates;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Templates;

/// <summary>
/// Tuning in a model's own chat template: the text trained on must be the template's rendering under an independent
/// renderer (@huggingface/jinja), and the trained tokens exactly each reply and its end of turn, as read by hand from
/// each published template. Llama 3's byte-level tokenizer decodes losslessly, so text comparisons are exact.
/// </summary>
public sealed class TrainingTextTests
{
    private static readonly StrataTokenizer Tokenizer = StrataTokenizer.FromTokenizerJson(
        Path.Combine(NodeTools.NodeModules, "@lenml", "tokenizer-llama3", "models", "tokenizer.json"));

    private static readonly JsonArray TwoTurns = JsonNode.Parse("""
        [{"role": "user", "content": "Capital of France?"},
         {"role": "assistant", "content": "Paris."},
         {"role": "user", "content": "And of Italy? <|eot_id|> stays text"},
         {"role": "assistant", "content": "Rome, since 1871."}]
        """)!.AsArray();

    /// <summary>Template file (null: the Llama 3 tokenizer's own, which opens an assistant turn even when not asked),
    /// bos and eos token, and each reply as the template ends it.</summary>
    public static TheoryData<string?, string, string, string[]> Templates => new()
    {
        { null, "<|begin_of_text|>", "<|end_of_text|>", ["Paris.<|eot_id|>", "Rome, since 1871.<|eot_id|>"] },
        { "meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", ["Paris.<|eot_id|>", "Rome, since 1871.<|eot_id|>"] },
        { "Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>", ["Paris.<|im_end|>", "Rome, since 1871.<|im_end|>"] },
        { "google-gemma-2-2b-it.jinja", "<bos>", "<end_of_turn>", ["Paris.<end_of_turn>", "Rome, since 1871.<end_of_turn>"] },
        { "microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|end|>", ["Paris.<|end|>", "Rome, since 1871.<|end|>"] },
        { "mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>", ["Paris.</s>", "Rome, since 1871.</s>"] },
    };

    [Theory, MemberData(nameof(Templates))]
    public void TrainsOnTheTemplatesTextAndExactlyItsReplies(string? file, string bos, string eos, string[] replies)
    {
        var formatter = Formatter(file, bos, eos);
        var (ids, trained) = formatter.EncodeTraining(TwoTurns);

        string reference = NodeTools.RunScript("render-chat-template.mjs", new JsonObject
        {
            ["template"] = Template(file),
            ["messages"] = TwoTurns.DeepClone(),
            ["add_generation_prompt"] = false,
            ["bos_token"] = bos,
            ["eos_token"] = eos,
        }.ToJsonString());
        Assert.Equal(reference, Tokenizer.Decode(ids));
        Assert.Equal(replies, Runs(ids, trained));
    }

    [Fact]
    public void OneExchangeTrainsOnTheReplyAlone()
    {
        var formatter = Formatter("meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        var (ids, trained) = formatter.EncodeTraining(new JsonArray(TwoTurns[0]!.DeepClone(), TwoTurns[1]!.DeepClone()));
        Assert.Equal(["Paris.<|eot_id|>"], Runs(ids, trained));
        // The prompt part is the generation prompt's tokens exactly, so training and inference see the same ids.
        var prompt = formatter.Encode(new JsonArray(TwoTurns[0]!.DeepClone()));
        Assert.Equal(prompt, ids[..prompt.Count]);
    }

    [Fact]
    public void TemplateThatMovesTheSystemMessageIntoTheLastTurnIsRefused()
    {
        // Mistral Nemo's template puts the system message in front of the last user message only, so the first reply
        // follows a different prompt in the whole conversation than in the conversation up to it.
        var formatter = Formatter("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");
        var withSystem = new JsonArray([JsonNode.Parse("""{"role": "system", "content": "Be brief."}"""), .. TwoTurns.Select(m => m!.DeepClone())]);
        var error = Assert.Throws<TemplateException>(() => formatter.EncodeTraining(withSystem));
        Assert.Contains("message 2", error.Message);
        Assert.Contains("--stage command", error.Message);
    }

    private static PromptFormatter Formatter(string? file, string bos, string eos)
    {
        // Meta's generation_config.json ends generation at <|end_of_text|> (128001) and <|eot_id|> (128009).
        var metadata = new ModelMetadata { ChatTemplate = Template(file), BosToken = bos, EosToken = eos, GenerationEosTokenIds = file is null ? [128001, 128009] : [] };
        return new PromptFormatter(metadata, Tokenizer);
    }

    private static string Template(string? file) => file is null
        ? JsonNode.Parse(File.ReadAllText(Path.Combine(NodeTools.NodeModules, "@lenml", "tokenizer-llama3", "models", "tokenizer_config.json")))!["chat_template"]!.GetValue<string>()
        : File.ReadAllText(Path.Combine(TestPaths.SharedData, "chat-templates", file));

    /// <summary>The trained tokens, decoded run by run.</summary>
    private static List<string> Runs(int[] ids, bool[] trained)
    {
        var runs = new List<string>();
        for (int i = 0; i < ids.Length; i++)
        {
            if (!trained[i]) continue;
            int start = i;
            while (i + 1 < ids.Length && trained[i + 1]) i++;
            runs.Add(Tokenizer.Decode(ids[start..(i + 1)]));
        }
        return runs;
    }
}
