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
        var json = new Option<bool>("--json-object") { Description = "Constrained decoding: the output is a JSON object, token by token (OpenAI's json_object mode)" };
        var jsonSchema = new Option<string?>("--json-schema") { Description = "Constrained decoding: the output is valid against this JSON Schema file", HelpName = "FILE" };
        var regex = new Option<string?>("--regex") { Description = "Constrained decoding: the output matches this regular expression whole", HelpName = "PATTERN" };
        var inference = new InferenceFlags();
        var command = new Command("generate", "Generate text from a prompt")
        {
            model, prompt, maxTokens, temperature, topK, topP, minP, repetitionPenalty, seed, stop, noBos, chat, samples, verify, json, jsonSchema, regex,
        };
        inference.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var package = ModelPackage.Open(parse.GetRequiredValue(model));
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
                Constraint = Constraint(parse.GetValue(json), parse.GetValue(jsonSchema), parse.GetValue(regex)),
            };
            IReadOnlyList<int> promptIds = parse.GetValue(chat)
                ? package.Prompts.Encode([new JsonObject { ["role"] = "user", ["content"] = parse.GetRequiredValue(prompt) }])
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
            await context.Output.WriteAsync(parse.GetValue(chat) ? "" : parse.GetRequiredValue(prompt));
            await foreach (var chunk in generator.StreamAsync(promptIds, options, cancellationToken))
            {
                await context.Output.WriteAsync(chunk.Text);
                await context.Output.FlushAsync(cancellationToken);
                if (chunk.TokenId is not null && chunk.FinishReason != FinishReason.EndOfSequence) tokens++;
                reason = chunk.FinishReason ?? reason;
            }
            await context.Output.WriteLineAsync();
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

    /// <summary>The one constraint the flags ask for; a schema file that cannot be read or enforced is named with the reason.</summary>
    private static Models.Generation.Constraints.ITokenConstraint? Constraint(bool jsonObject, string? schemaFile, string? pattern)
    {
        if ((jsonObject ? 1 : 0) + (schemaFile is null ? 0 : 1) + (pattern is null ? 0 : 1) > 1)
            throw new ArgumentException("--json-object, --json-schema and --regex exclude one another");
        if (jsonObject) return Models.Generation.Constraints.JsonConstraint.Object;
        if (pattern is not null)
        {
            try
            {
                return new Models.Generation.Constraints.GrammarConstraint(Models.Generation.Constraints.RegexGrammar.Compile(pattern));
            }
            catch (Models.Generation.Constraints.UnsupportedConstraintException e)
            {
                throw new ArgumentException($"--regex: {e.Message}");
            }
        }
        if (schemaFile is null) return null;
        System.Text.Json.JsonElement schema;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(schemaFile));
            schema = document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"{schemaFile}: line {e.LineNumber + 1}: not JSON ({e.Message})");
        }
        catch (IOException e)
        {
            throw new ArgumentException($"{schemaFile}: {e.Message}");
        }
        try
        {
            return Models.Generation.Constraints.JsonSchemaGrammar.Constraint(schema);
        }
        catch (Models.Generation.Constraints.UnsupportedConstraintException e)
        {
            throw new ArgumentException($"{schemaFile}: {e.Message}");
        }
    }
}
