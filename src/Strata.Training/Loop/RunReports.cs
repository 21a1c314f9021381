using System.Text.Json.Nodes;
using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Training.Reports;

namespace Strata.Training.Loop;

/// <summary>Turns a finished run into a <see cref="RunReport"/>, with sample generations at fixed prompts.</summary>
public static class RunReports
{
    public static RunReport Build(string title, string stage, JsonNode config, TrainingResult result, LlamaForCausalLM model,
        StrataTokenizer tokenizer, IReadOnlyList<string> prompts, IReadOnlyDictionary<string, double>? metrics = null)
    {
        var samples = prompts.Select(prompt => new SampleGeneration(prompt, Sample(model, tokenizer, prompt))).ToList();
        return new RunReport
        {
            Title = title,
            Stage = stage,
            ResolvedConfig = config,
            TrainLoss = result.State.TrainLoss,
            ValidationLoss = result.State.ValidationLoss,
            TokensSeen = result.State.TokensSeen,
            Elapsed = TimeSpan.FromSeconds(result.State.ElapsedSeconds),
            TokensPerSecond = result.TokensPerSecond,
            ModelFlopsUtilization = result.ModelFlopsUtilization,
            BestValidationLoss = result.State.BestValidationLoss,
            ValidationBitsPerCharacter = result.BitsPerCharacter,
            Samples = samples,
            Events = result.State.Events,
            Metrics = metrics ?? new Dictionary<string, double>(),
        };
    }

    /// <summary>Greedy continuation of <paramref name="prompt"/>: deterministic, so reports compare across runs.</summary>
    public static string Sample(LlamaForCausalLM model, StrataTokenizer tokenizer, string prompt, int maxTokens = 48)
    {
        var ids = new List<int>();
        if (model.Config.BosTokenId is int bos) ids.Add(bos);
        ids.AddRange(tokenizer.Encode(prompt, parseSpecialTokens: false));
        return Greedy(model, tokenizer, ids, SamplingOptions.Greedy with { MaxTokens = maxTokens, RepetitionPenalty = 1.1 });
    }

    /// <summary>Runs <paramref name="options"/> from <paramref name="promptIds"/> in eval mode, then puts the model back in training mode.</summary>
    public static string Greedy(LlamaForCausalLM model, StrataTokenizer tokenizer, IReadOnlyList<int> promptIds, SamplingOptions options)
    {
        var generator = new TextGenerator(TorchBackend.LanguageModel(model), tokenizer);
        model.eval();
        try
        {
            return generator.GenerateAsync(promptIds, options).GetAwaiter().GetResult().Text;
        }
        finally
        {
            model.train();
        }
    }
}
