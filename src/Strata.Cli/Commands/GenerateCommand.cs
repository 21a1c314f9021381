using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Models.Loading;

namespace Strata.Cli.Commands;

/// <summary><c>strata generate</c>: stream a continuation of a prompt.</summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model folder or .gguf file", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int>("--top-k") { Description = "Keep the k most likely tokens (0 = off)" };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling threshold (1 = off)", DefaultValueFactory = _ => 1.0 };
        var minP = new Option<double>("--min-p") { Description = "Drop tokens below min-p × the top probability (0 = off)" };
        var repetitionPenalty = new Option<double>("--repetition-penalty") { Description = "1 = off", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int?>("--seed") { Description = "Same seed → same text" };
        var stop = new Option<string[]>("--stop") { Description = "Stop before this text (repeatable)", AllowMultipleArgumentsPerToken = false };
        var noBos = new Option<bool>("--no-bos") { Description = "Do not prepend the BOS token" };
        var chat = new Option<bool>("--chat") { Description = "Send the prompt as a user message in the model's chat template (tuned models)" };
        var samples = new Option<int>("--samples") { Description = "Verified search: sample this many answers (seeds --seed, --seed+1, …) and print the best", DefaultValueFactory = _ => 1 };
        var verify = new Option<string?>("--verify") { Description = "Check answers with a program: json, regex:PATTERN, exact:TEXT, number:VALUE or python-tests:FILE; verified answers rank first, then by mean log-probability", HelpName = "SPEC" };
        var structured = new StructuredOutputFlags();
        var inference = new InferenceFlags();
        var command = new Command("generate", "Generate text from a prompt")
        {
            model, prompt, maxTokens, temperature, topK, topP, minP, repetitionPenalty, seed, stop, noBos, chat, samples, verify,
        };
        inference.AddTo(command);
        structured.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var package = ModelPackage.Open(parse.GetRequiredValue(model));
            var tools = structured.Tools(parse, package.Metadata.ChatTemplate);
            if (tools is not null && !parse.GetValue(chat)) throw new ArgumentException("--tools needs --chat: tools are offered through the chat template");
            using var runtime = package.LoadBackend(inference.Read(parse));
            var options = new SamplingOptions
            {
                MaxTokens = parse.GetValue(maxTokens),
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                MinP = parse.GetValue(minP),
                RepetitionPenalty = parse.GetValue(repetitionPenalty),
                Seed = parse.GetValue(seed),
                StopSequences = parse.GetValue(stop) ?? [],
                Constraint = structured.Constraint(parse, tools),
                SkipSpecialTokens = tools?.KeepsSpecialTokens != true,
            };
            var question = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = parse.GetRequiredValue(prompt) });
            IReadOnlyList<int> promptIds = tools is not null
                ? tools.WithPrefill(package.Prompts.Encode(tools.Messages(question), tools.Variables), package.Tokenizer)
                : parse.GetValue(chat)
                    ? package.Prompts.Encode(question)
                    : package.EncodeText(parse.GetRequiredValue(prompt), addBos: !parse.GetValue(noBos));
            var generator = new TextGenerator(package.LanguageModel(runtime), package.Tokenizer);
            if (parse.GetValue(samples) > 1 || parse.GetValue(verify) is not null)
            {
                return await Search(context, generator, promptIds, options, parse.GetValue(samples),
                    parse.GetValue(verify) is string spec ? AnswerVerifier.Parse(spec) : null, cancellationToken);
            }
            var clock = Stopwatch.StartNew();
            int tokens = 0;
            FinishReason? reason = null;
            await context.Output.WriteAsync(parse.GetValue(chat) ? tools?.Prefill ?? "" : parse.GetRequiredValue(prompt));
            var reply = new System.Text.StringBuilder();
            await foreach (var chunk in generator.StreamAsync(promptIds, options, cancellationToken))
            {
                reply.Append(chunk.Text);
                await context.Output.WriteAsync(chunk.Text);
                await context.Output.FlushAsync(cancellationToken);
                if (chunk.TokenId is not null && chunk.FinishReason != FinishReason.EndOfSequence) tokens++;
                reason = chunk.FinishReason ?? reason;
            }
            await context.Output.WriteLineAsync();
            if (tools is not null)
            {
                // The calls as a client receives them: only calls to offered tools, arguments as JSON text.
                var parsed = tools.Parse(reply.ToString());
                foreach (var call in parsed.Calls) await context.Output.WriteLineAsync($"→ {call.Name}({call.Arguments})");
                foreach (var dropped in parsed.Dropped) await context.Error.WriteLineAsync($"[dropped {dropped}]");
                if (parsed.Calls.Count > 0) await context.Error.WriteLineAsync($"[{parsed.Calls.Count} tool call(s)]");
            }
            double seconds = clock.Elapsed.TotalSeconds;
            await context.Error.WriteLineAsync(
                $"[{promptIds.Count} prompt tokens, {tokens} generated in {seconds:F2} s ({tokens / Math.Max(seconds, 1e-9):F1} tokens/s), finish: {reason}]");
            return 0;
        });
        return command;
    }

    /// <summary>Verified search: n samples, the best printed, every candidate listed on stderr. Exit 5 when none verifies.</summary>
    private static async Task<int> Search(CliContext context, TextGenerator generator, IReadOnlyList<int> promptIds, SamplingOptions options,
        int n, AnswerVerifier? verifier, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var candidates = await BestOfN.SearchAsync(generator, promptIds, options, n, verifier, stopAtFirstVerified: false, cancellationToken);
        foreach (var (candidate, rank) in candidates.Select((c, i) => (c, i + 1)))
        {
            string check = verifier is null ? "" : candidate.Verified ? "verified, " : "rejected, ";
            await context.Error.WriteLineAsync($"[{rank}] {check}mean log-prob {candidate.MeanLogprob:F3}, seed {candidate.Seed}: {candidate.Text.ReplaceLineEndings(" ")}");
        }
        await context.Output.WriteLineAsync(candidates[0].Text);
        int verified = candidates.Count(c => c.Verified);
        await context.Error.WriteLineAsync($"[{n} samples in {clock.Elapsed.TotalSeconds:F2} s" + (verifier is null ? "" : $", {verified} verified by {verifier.Spec}") + "]");
        return verifier is not null && verified == 0 ? 5 : 0;
    }
}
