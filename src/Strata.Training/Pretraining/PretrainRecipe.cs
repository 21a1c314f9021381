using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Training.Datasets;
using Strata.Training.Loop;
using Strata.Training.Reports;

namespace Strata.Training.Pretraining;

/// <summary>What a pretraining run produced.</summary>
public sealed record PretrainOutcome(string ModelDirectory, TrainingResult Result, RunReport Report);

/// <summary>
/// Pretrain a base model, top to bottom: Setup (tokenizer, token dataset, model) → Train → Cleanup
/// (final model, report with loss curves and samples). Re-running with <c>resume</c> continues the run.
/// </summary>
public sealed class PretrainRecipe(PretrainConfig config, ITrainingMonitor? monitor = null, IProgress<string>? status = null)
{
    /// <summary>Prompts whose continuations go into every report.</summary>
    public IReadOnlyList<string> SamplePrompts { get; init; } = ["The ", "\n"];

    public PretrainOutcome Run(bool resume, CancellationToken cancellationToken = default)
    {
        config.Validate();
        Directory.CreateDirectory(config.Output);
        var (tokenizer, tokenizerJson) = SetUpTokenizer(cancellationToken);
        int endOfText = tokenizer.TokenToId(BundledTokenizer.EndOfText) ?? tokenizer.EosTokenId
            ?? throw new ArgumentException($"{tokenizerJson}: the tokenizer has no {BundledTokenizer.EndOfText} or EOS token to separate documents");

        status?.Report("tokenizing the corpus");
        string dataDirectory = Path.Combine(config.Output, "data");
        TokenDatasetBuilder.Build(config.Inputs, tokenizer, endOfText, dataDirectory,
            new PretrainDataOptions { ValidationFraction = config.ValidationFraction }, ct: cancellationToken);
        using var data = new PretrainData(TokenDataset.Open(dataDirectory), config.Training);

        var modelConfig = config.Model.ToModelConfig(tokenizer.VocabularySize, config.Training.ContextLength, endOfText, endOfText);
        using var model = LlamaCheckpoint.Create(modelConfig, seed: config.Training.Seed);
        status?.Report("measuring the matmul peak");
        double peak = MatmulPeak.Measure();

        var trainer = new Trainer(model, data, config.Training, config.Output, tokenizerJson, config.ToJsonNode(), monitor, peak);
        status?.Report("training");
        var result = trainer.Run(resume, cancellationToken);

        var report = RunReports.Build("Pretraining", "pretrain", config.ToJsonNode(), result, model, tokenizer, SamplePrompts);
        ReportWriter.Write(report, Path.Combine(config.Output, "report"));
        return new PretrainOutcome(config.Output, result, report);
    }

    private (StrataTokenizer Tokenizer, string Path) SetUpTokenizer(CancellationToken cancellationToken)
    {
        if (config.Tokenizer is string given)
        {
            string path = Directory.Exists(given) ? Path.Combine(given, "tokenizer.json") : given;
            return (StrataTokenizer.FromTokenizerJson(path), path);
        }
        string trained = Path.Combine(config.Output, "data", "tokenizer.json");
        if (!File.Exists(trained))
        {
            status?.Report($"training a {config.VocabSize}-token BPE tokenizer");
            Directory.CreateDirectory(Path.GetDirectoryName(trained)!);
            // Documents, not raw files: a .jsonl corpus must not teach the tokenizer JSON syntax.
            var documents = config.Inputs.Concat(config.TokenizerInputs).SelectMany(path => PretrainTextReader.Read(path, cancellationToken));
            var bpe = BpeTrainer.Train(documents,
                new BpeTrainerOptions(config.VocabSize) { SpecialTokens = [BundledTokenizer.EndOfText, "<|im_start|>", "<|im_end|>"] },
                ct: cancellationToken);
            TokenizerJsonWriter.Write(bpe, trained);
        }
        return (StrataTokenizer.FromTokenizerJson(trained), trained);
    }
}
