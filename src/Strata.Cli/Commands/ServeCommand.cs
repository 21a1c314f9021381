using System.CommandLine;
using Strata.Serving.Arena;
using Strata.Serving.Engine;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;
using Strata.Serving.Security;
using Strata.Training.Quickstart;

namespace Strata.Cli.Commands;

/// <summary>
/// <c>strata serve</c>: the model server. With no <c>--model</c> it serves the quickstart's dialogue model, training
/// it first (about ten minutes, with progress) when it is not there yet.
/// </summary>
internal static class ServeCommand
{
    public static readonly string QuickstartDirectory = Path.Combine("models", "quickstart");

    public static Command Create(CliContext context)
    {
        var models = new Option<string[]>("--model")
        {
            Description = "Model folder or .gguf file to serve, optionally PATH=NAME; repeat for several (default: the quickstart dialogue model)",
            AllowMultipleArgumentsPerToken = false,
        };
        var host = new Option<string>("--host") { Description = "Address to listen on; anything but loopback requires API keys", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 8080 };
        var apiKeys = new Option<string?>("--api-keys") { Description = "Comma-separated keys accepted for tenant 'default' (prefer `strata keys create`)" };
        var store = StoreOption.Create();
        var documents = DocumentsOption.Create();
        var embedder = new Option<string?>("--retrieval-embedder") { Description = "Served encoder that embeds documents and queries (default: the first embedding model)", HelpName = "NAME" };
        var reranker = new Option<string?>("--retrieval-reranker") { Description = "Served cross-encoder that reranks retrieved chunks (default: the first one)", HelpName = "NAME" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Sequences decoded together per model", DefaultValueFactory = _ => 16 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Waiting requests per model before 429", DefaultValueFactory = _ => 64 };
        var dailyVotes = new Option<int>("--arena-daily-votes") { Description = "Arena votes one voter may have counted per day; later ones are stored, not counted", DefaultValueFactory = _ => new ArenaOptions().DailyVoteCap };
        var promptVotes = new Option<int>("--arena-prompt-votes") { Description = "Counted arena votes per first message; further ones are stored, not counted", DefaultValueFactory = _ => new ArenaOptions().PromptVoteLimit };
        var inference = new InferenceFlags();
        var adapters = new Option<string[]>("--adapter")
        {
            Description = "LoRA adapter (a PEFT folder) to serve over the first --model's weights, as NAME=DIR; repeat for several. "
                + "Requests pick one by model name and share the base's batches (native backend)",
            AllowMultipleArgumentsPerToken = false,
        };
        var quickstartMinutes = new Option<double>("--quickstart-minutes") { Description = "Training time when the default model must be built", DefaultValueFactory = _ => 10 };
        var command = new Command("serve", "Serve models over OpenAI- and Cohere-compatible APIs, with a playground at /")
        {
            models, adapters, host, port, apiKeys, store, documents, embedder, reranker, maxBatch, maxQueue, dailyVotes, promptVotes, quickstartMinutes,
        };
        inference.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sources = (parse.GetValue(models) ?? []).Select(ParseSource).ToList();
            if (sources.Count == 0) sources.Add(EnsureQuickstartModel(context, parse.GetValue(quickstartMinutes), cancellationToken));
            var loading = inference.Read(parse);
            sources = sources.Select(s => s with { Inference = loading }).ToList();
            if (parse.GetValue(adapters) is { Length: > 0 } given) sources[0] = sources[0] with { Adapters = given.Select(ParseAdapter).ToList() };
            string hostName = parse.GetValue(host)!;
            string url = $"http://{(hostName.Contains(':') ? $"[{hostName}]" : hostName)}:{parse.GetValue(port)}";
            var options = new ServerOptions
            {
                Urls = [url],
                Models = sources,
                Engine = new EngineOptions { MaxBatchSize = parse.GetValue(maxBatch), MaxQueuedRequests = parse.GetValue(maxQueue) },
                ApiKeys = ApiKeyAuthenticator.ParseKeyList(parse.GetValue(apiKeys)),
                Store = StoreOption.Read(parse, store),
                Documents = DocumentsOption.Read(parse, documents),
                RetrievalEmbedder = parse.GetValue(embedder),
                RetrievalReranker = parse.GetValue(reranker),
                Arena = new ArenaOptions { DailyVoteCap = parse.GetValue(dailyVotes), PromptVoteLimit = parse.GetValue(promptVotes) },
            };
            StrataServer created;
            try
            {
                created = StrataServer.Create(options);
            }
            catch (InvalidOperationException e)
            {
                // The binding guard's refusal is a configuration error, not a crash.
                throw new ArgumentException(e.Message, e);
            }
            await using var server = created;
            await server.StartAsync(new Progress<string>(line => context.Error.WriteLine(line)), cancellationToken);
            string address = server.Addresses.FirstOrDefault() ?? url;
            context.Output.WriteLine($"Strata is listening on {address} (playground {address}/, API reference {address}/docs)");
            context.Output.WriteLine(server.Authenticator.Required
                ? "API keys are required (Authorization: Bearer <key>)."
                : "No API keys configured: loopback clients only. Create one with `strata keys create --tenant NAME`.");
            if (server.KeyStore is { } keys) context.Error.WriteLine($"key store: {keys.Location}");
            if (server.Documents is { } docs) context.Error.WriteLine($"documents: {docs.Store.Description}");
            if (server.Arena is { } arena) context.Error.WriteLine($"arena battles: {arena.Store.Location}");
            await server.Loading;
            foreach (var engine in server.Models.Engines)
            {
                context.Output.WriteLine($"ready: {engine.Model.Name} ({engine.Model.Prompts.Format} chat format, context {engine.Model.ContextLength}, {engine.Model.Backend.Name} backend)");
            }
            foreach (var encoder in server.Models.Encoders)
            {
                var e = encoder.Encoder;
                string role = e.Head == Strata.Models.Encoders.EncoderHead.Embedding ? $"embeddings ({e.Pooling.Mode} pooling) and rerank" : e.Config.LabelCount == 1 ? "rerank (cross-encoder)" : "classification";
                context.Output.WriteLine($"ready: {encoder.Name} (encoder for {role}, {e.MaxLength} tokens)");
            }
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                context.Error.WriteLine("stopping");
            }
            return 0;
        });
        return command;
    }

    private static AdapterSource ParseAdapter(string value)
    {
        int equals = value.IndexOf('=');
        if (equals <= 0 || equals == value.Length - 1) throw new ArgumentException($"--adapter '{value}': give NAME=DIR (the name clients put in \"model\", the adapter folder)");
        return new AdapterSource(value[..equals], value[(equals + 1)..]);
    }

    private static ModelSource ParseSource(string value)
    {
        int equals = value.LastIndexOf('=');
        return equals > 0 ? new ModelSource(value[..equals], value[(equals + 1)..]) : new ModelSource(value);
    }

    /// <summary>The quickstart dialogue model, trained now if no finished one exists (an interrupted build resumes).</summary>
    private static ModelSource EnsureQuickstartModel(CliContext context, double minutes, CancellationToken cancellationToken)
    {
        string dialogue = Path.Combine(QuickstartDirectory, "dialogue");
        // The report is written last, so its presence means the model finished training.
        if (!File.Exists(Path.Combine(dialogue, "report", "summary.json")))
        {
            context.Error.WriteLine($"No quickstart model in {dialogue}; building it now (about {minutes:0} minutes on 2 cores, resumable).");
            QuickstartCommand.Run(context, new QuickstartOptions { Output = QuickstartDirectory, Minutes = minutes }, cancellationToken);
        }
        return new ModelSource(dialogue, "strata-quickstart");
    }
}
