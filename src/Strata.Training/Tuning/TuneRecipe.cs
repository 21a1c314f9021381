using Strata.Models.Adapters;
using Strata.Models.Llama;
using Strata.Models.Loading;
using Strata.Models.Tokenization;
using Strata.Training.Datasets;
using Strata.Training.Distillation;
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
        var format = IChatFormat.For(package);
        // Padding never reaches the loss (its targets are ignored), so any id serves.
        int padId = tokenizer.TokenToId(BundledTokenizer.EndOfText) ?? format.EndOfTurnIds.FirstOrDefault();
        using var model = package.LoadTorchModel(c => c with { EosTokenIds = [.. format.EndOfTurnIds, .. c.EosTokenIds.Except(format.EndOfTurnIds)] }, config.BaseScalarType);
        int context = Math.Min(config.Training.ContextLength, package.ContextLength);
        var options = config.Training with { ContextLength = context };

        status?.Report($"reading and packing conversations (in {format.Description})");
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
            ? LoraAdapter.Create(model.Config, lora with { BaseModelNameOrPath = lora.BaseModelNameOrPath ?? Path.GetFullPath(config.Model), EnsureWeightTying = lora.EnsureWeightTying || lora.AdaptsEmbedding }, options.Seed)
            : null;
        ITrainedWeights trained = adapter is null ? new WholeModel(model) : new AdapterWeights(model, adapter, config.LoraPlusRatio, config.LoraEmbeddingRatio);
        if (adapter is not null)
        {
            long total = model.parameters().Sum(p => p.numel());
            status?.Report($"LoRA r {adapter.Config.Rank} on {string.Join(",", adapter.Config.TargetModules)}: {adapter.ParameterCount:N0} trainable parameters, "
                + $"{100.0 * adapter.ParameterCount / total:F2}% of the model's {total:N0}");
        }
        var (trainingData, teacher) = config.Distill is { } distill ? WithTeacher(distill, data, tokenizer, model.Config.VocabSize, cancellationToken) : (data, null);
        using var _ = teacher;
        var objective = config.Distill is { } settings ? new DistillationObjective(settings) : null;
        var trainer = new Trainer(model, trainingData, options, config.Output, tokenizerJson, config.ToJsonNode(), monitor, trained: trained, objective: objective);
        var result = trainer.Run(resume, cancellationToken);
        if (result.Completed) format.WriteChatFiles(config.Output);

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

    /// <summary>
    /// The training data with the teacher's distributions attached: its top k from the disk cache (built first if need
    /// be; the teacher is then released) or the teacher itself running beside the student (returned, to be disposed).
    /// </summary>
    private (ITrainingData Data, LlamaForCausalLM? Teacher) WithTeacher(TokenDistillationConfig distill, TuneData data, StrataTokenizer tokenizer,
        int vocabulary, CancellationToken cancellationToken)
    {
        var teacher = LoadTeacher(distill, tokenizer, vocabulary);
        if (distill.TopK is not int k) return (new TeacherBesideStudent(data, teacher), teacher);
        using (teacher)
        {
            var cache = TeacherTopKCache.Build(teacher, distill.Teacher, data.Rows, k, data.PadId, Path.Combine(config.Output, $"teacher-top{k}"), status, cancellationToken);
            return (new CachedTeacher(data, cache), null);
        }
    }

    /// <summary>The teacher of token-level distillation, refused unless it tokenizes exactly as the student does.</summary>
    private LlamaForCausalLM LoadTeacher(TokenDistillationConfig distill, StrataTokenizer studentTokenizer, int studentVocabulary)
    {
        var package = ModelPackage.Open(distill.Teacher);
        if (TokenizerFingerprint.Compute(package.Tokenizer) != TokenizerFingerprint.Compute(studentTokenizer))
        {
            throw new ArgumentException($"{distill.Teacher}: the teacher's tokenizer differs from the student's, so their distributions cannot be compared token by token; "
                + "distil on the teacher's answers instead (strata distill, then strata tune --data)");
        }
        if (package.Config.VocabSize != studentVocabulary)
        {
            throw new ArgumentException($"{distill.Teacher}: the teacher's vocabulary has {package.Config.VocabSize} rows, the student's {studentVocabulary}");
        }
        var teacher = package.LoadTorchModel();
        foreach (var parameter in teacher.parameters()) parameter.requires_grad = false;
        long teacherSize = teacher.parameters().Sum(p => p.numel());
        status?.Report($"distilling from {distill.Teacher} ({teacherSize:N0} parameters), {distill.Divergence.ToString().ToLowerInvariant()} KL at temperature {distill.Temperature}, alpha {distill.Alpha}, "
            + (distill.TopK is int k ? $"teacher's top {k} cached" : "teacher beside the student"));
        return teacher;
    }

    private IEnumerable<Conversation> ReadAll()
    {
        foreach (string path in config.Inputs)
        {
            foreach (var conversation in ConversationReader.Read(path))
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
    public static string Reply(LlamaForCausalLM model, StrataTokenizer tokenizer, IChatFormat format, string userMessage, int maxTokens = 48)
    {
        var prompt = format.RenderPrompt([new ChatMessage(ChatRole.User, userMessage)]);
        return RunReports.Greedy(model, tokenizer, prompt, Models.Generation.SamplingOptions.Greedy with { MaxTokens = maxTokens }).Trim();
    }
}
