using Strata.Models.Adapters;
using Strata.Models.Llama;
using Strata.Models.Loading;
using Strata.Models.Tokenization;
using Strata.Training.Loop;
using Strata.Training.Reports;

namespace Strata.Training.Tuning;

/// <summary>What a tuning run produced.</summary>
public sealed record TuneOutcome(string ModelDirectory, TrainingResult Result, RunReport Report, int TrainRows, int TruncatedExamples);

/// <summary>
/// Tune a model on conversations: Setup (model, chat format, packed data) → Train (loss on assistant tokens
/// only) → Cleanup (chat template, final model, report). The result stops at &lt;|im_end|&gt;.
/// </summary>
public sealed class TuneRecipe(TuneConfig config, ITrainingMonitor? monitor = null, IProgress<string>? status = null)
{
    /// <summary>User messages whose replies go into the report.</summary>
    public IReadOnlyList<string> SamplePrompts { get; init; } = ["Hello! Who are you?"];

    /// <summary>Extra figures for the report (e.g. the quickstart's exact-match accuracy).</summary>
    public Func<LlamaForCausalLM, StrataTokenizer, IReadOnlyDictionary<string, double>>? Metrics { get; init; }

    public TuneOutcome Run(bool resume, CancellationToken cancellationToken = default)
    {
        config.Validate();
        var package = ModelPackage.Open(config.Model);
        string tokenizerJson = Path.Combine(package.Path, "tokenizer.json");
        var tokenizer = package.Tokenizer;
        var format = new ChatFormat(tokenizer);
        int padId = tokenizer.TokenToId(BundledTokenizer.EndOfText) ?? format.ImEndId;
        using var model = package.LoadTorchModel(c => c with { EosTokenIds = [format.ImEndId, .. c.EosTokenIds.Where(id => id != format.ImEndId)] });
        int context = Math.Min(config.Training.ContextLength, package.ContextLength);
        var options = config.Training with { ContextLength = context };

        status?.Report("reading and packing conversations");
        var conversations = ReadAll().ToList();
        int every = (int)Math.Round(1 / config.ValidationFraction);
        var trainConversations = conversations.Where((_, i) => i % every != every - 1).ToList();
        var heldOut = conversations.Where((_, i) => i % every == every - 1).ToList();
        var packer = new SequencePacker();
        var trainRows = packer.Pack(trainConversations.Select(format.Render), context, config.Pack).ToList();
        var validationRows = new SequencePacker().Pack(heldOut.Select(format.Render), context, config.Pack).ToList();
        var data = new TuneData(trainRows, validationRows, options.BatchSize, padId, options.Seed);

        // LoRA: the adapter is seeded like the run, so a resumed run rebuilds the same one before restoring it.
        using var adapter = config.Lora is { } lora
            ? LoraAdapter.Create(model.Config, lora with { BaseModelNameOrPath = lora.BaseModelNameOrPath ?? Path.GetFullPath(config.Model) }, options.Seed)
            : null;
        ITrainedWeights trained = adapter is null ? new WholeModel(model) : new AdapterWeights(model, adapter);
        if (adapter is not null)
        {
            long total = model.parameters().Sum(p => p.numel());
            status?.Report($"LoRA r {adapter.Config.Rank} on {string.Join(",", adapter.Config.TargetModules)}: {adapter.ParameterCount:N0} trainable parameters, "
                + $"{100.0 * adapter.ParameterCount / total:F2}% of the model's {total:N0}");
        }
        var trainer = new Trainer(model, data, options, config.Output, tokenizerJson, config.ToJsonNode(), monitor, trained: trained);
        var result = trainer.Run(resume, cancellationToken);
        if (result.Completed) ChatFormat.WriteTokenizerConfig(config.Output);

        var metrics = Metrics?.Invoke(model, tokenizer);
        var stage = config.Stage == TuneStage.Command ? ReportStages.Command : ReportStages.Dialogue;
        var report = RunReports.Build(config.Stage == TuneStage.Command ? "Command tuning" : "Dialogue tuning", stage,
            config.ToJsonNode(), result, model, tokenizer, [], metrics) with
        {
            Samples = SamplePrompts.Select(p => new SampleGeneration(p, Reply(model, tokenizer, format, p))).ToList(),
        };
        ReportWriter.Write(report, Path.Combine(config.Output, "report"));
        return new TuneOutcome(config.Output, result, report, trainRows.Count, packer.TruncatedExamples);
    }

    private IEnumerable<Conversation> ReadAll()
    {
        foreach (string path in config.Inputs)
        {
            var conversations = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? ConversationReader.ReadJson(path)
                : ConversationReader.ReadJsonl(path);
            foreach (var conversation in conversations)
            {
                yield return config.Stage == TuneStage.Command ? FirstExchange(conversation) : conversation;
            }
        }
    }

    /// <summary>The optional system message, the first user message and the first reply.</summary>
    private static Conversation FirstExchange(Conversation conversation)
    {
        int firstAnswer = conversation.Messages.ToList().FindIndex(m => m.Role == ChatRole.Assistant);
        return firstAnswer < 0 ? conversation : new Conversation(conversation.Messages.Take(firstAnswer + 1).ToList());
    }

    /// <summary>The tuned model's greedy reply to one user message.</summary>
    public static string Reply(LlamaForCausalLM model, StrataTokenizer tokenizer, ChatFormat format, string userMessage, int maxTokens = 48)
    {
        var prompt = format.RenderPrompt([new ChatMessage(ChatRole.User, userMessage)]);
        return RunReports.Greedy(model, tokenizer, prompt, Models.Generation.SamplingOptions.Greedy with { MaxTokens = maxTokens }).Trim();
    }
}
