using System.Text.Json.Nodes;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Models.Inference;
using Strata.Models.Loading;
using Strata.Models.Remote;
using Strata.Training.Tuning;

namespace Strata.Training.Distillation;

/// <summary>
/// Where a teacher is: a model folder or GGUF file Strata loads, or the http(s) URL of an OpenAI-compatible server with the
/// model name sent to it, its key (read from the environment by the CLI, never a flag) and how many prompts may be in
/// flight at once. The one description of a teacher that distillation and quality ratings share.
/// </summary>
public sealed record TeacherSource(string Location)
{
    /// <summary>The <c>model</c> field sent to a remote teacher (default "default", a server's only model).</summary>
    public string? Model { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Prompts in flight at once with a remote teacher (a local one answers one at a time).</summary>
    public int Concurrency { get; init; } = 4;

    public ITeacher Open() => ITeacher.Open(Location, Model, ApiKey);

    /// <summary>How many prompts to run at once with the opened teacher.</summary>
    public int ParallelismWith(ITeacher teacher)
    {
        if (Concurrency < 1) throw new ArgumentException($"--concurrency must be at least 1, not {Concurrency}");
        return Math.Min(Concurrency, teacher.MaxConcurrency);
    }
}

/// <summary>A teacher's chosen answer to one prompt: the first sample that passed the check, else the first sample.</summary>
public sealed record TeacherAnswer(string Text, bool Truncated, bool Verified);

/// <summary>A model that answers prompts for distillation: one Strata loads, or one behind an OpenAI-compatible server.</summary>
public interface ITeacher : IDisposable
{
    /// <summary>Recorded with every kept answer.</summary>
    string Name { get; }

    /// <summary>Prompts it can usefully answer at once (a local model on this machine's cores: one).</summary>
    int MaxConcurrency { get; }

    /// <summary>Up to <paramref name="samples"/> answers with seeds seed, seed+1, …; stops at the first that <paramref name="check"/> accepts.</summary>
    Task<TeacherAnswer> AnswerAsync(IReadOnlyList<ChatMessage> prompt, SamplingOptions sampling, int samples, AnswerVerifier? check, CancellationToken cancellationToken);

    /// <summary>A model folder or GGUF file is loaded here; an http(s) URL is a remote OpenAI-compatible server.</summary>
    /// <param name="model">The <c>model</c> field sent to a server (default: the server's only model, "default").</param>
    /// <param name="apiKey">Bearer key for the server, or null.</param>
    static ITeacher Open(string teacher, string? model = null, string? apiKey = null) =>
        Uri.TryCreate(teacher, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? new RemoteTeacher(new OpenAiEndpoint(url, apiKey), model ?? "default")
            : new LocalTeacher(teacher);
}

/// <summary>A teacher Strata runs itself (model folder or GGUF), with verified search over its samples.</summary>
public sealed class LocalTeacher : ITeacher
{
    private readonly ModelPackage package;
    private readonly IInferenceBackend backend;
    private readonly TextGenerator generator;

    public LocalTeacher(string path)
    {
        package = ModelPackage.Open(path);
        backend = package.LoadBackend();
        generator = new TextGenerator(package.LanguageModel(backend), package.Tokenizer);
    }

    public string Name => package.DefaultName;

    public int MaxConcurrency => 1;

    public async Task<TeacherAnswer> AnswerAsync(IReadOnlyList<ChatMessage> prompt, SamplingOptions sampling, int samples, AnswerVerifier? check,
        CancellationToken cancellationToken)
    {
        var ids = package.Prompts.Encode(Messages(prompt));
        var best = (await BestOfN.SearchAsync(generator, ids, sampling, samples, check, stopAtFirstVerified: true, cancellationToken))[0];
        return new TeacherAnswer(best.Text, best.FinishReason == FinishReason.MaxTokens, best.Verified);
    }

    internal static JsonArray Messages(IReadOnlyList<ChatMessage> prompt) =>
        new(prompt.Select(m => (JsonNode)new JsonObject { ["role"] = ConversationRules.Name(m.Role), ["content"] = m.Content }).ToArray());

    public void Dispose() => backend.Dispose();
}

/// <summary>
/// A teacher behind an OpenAI-compatible server (a bigger model served by vLLM, llama.cpp, Ollama, another
/// <c>strata serve</c>, or a hosted API): samples are asked for with <c>n</c>; servers that return fewer choices than
/// asked (llama.cpp's) are asked again until there are enough. Retries are <see cref="OpenAiEndpoint"/>'s.
/// </summary>
public sealed class RemoteTeacher(OpenAiEndpoint endpoint, string model) : ITeacher
{
    public string Name => $"{model}@{endpoint.BaseAddress}";

    public int MaxConcurrency => int.MaxValue;

    public async Task<TeacherAnswer> AnswerAsync(IReadOnlyList<ChatMessage> prompt, SamplingOptions sampling, int samples, AnswerVerifier? check,
        CancellationToken cancellationToken)
    {
        var candidates = new List<RemoteChoice>();
        while (candidates.Count < samples)
        {
            var body = new JsonObject
            {
                ["model"] = model,
                ["messages"] = LocalTeacher.Messages(prompt),
                ["temperature"] = sampling.Temperature,
                ["top_p"] = sampling.TopP,
                ["max_tokens"] = sampling.MaxTokens,
                ["n"] = samples - candidates.Count,
            };
            if (sampling.Seed is int seed) body["seed"] = seed + candidates.Count;
            if (sampling.StopSequences.Count > 0) body["stop"] = new JsonArray(sampling.StopSequences.Take(4).Select(s => (JsonNode?)s).ToArray());
            var choices = await endpoint.ChatAsync(body, cancellationToken).ConfigureAwait(false);
            foreach (var choice in choices)
            {
                candidates.Add(choice);
                if (check?.Accepts(choice.Text) == true) return Answer(choice, verified: true);
            }
        }
        return Answer(candidates[0], verified: false);
    }

    private static TeacherAnswer Answer(RemoteChoice choice, bool verified) => new(choice.Text, choice.FinishReason == "length", verified);

    public void Dispose() => endpoint.Dispose();
}
