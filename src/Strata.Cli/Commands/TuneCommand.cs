using System.CommandLine;
using Strata.Models.Adapters;
using Strata.Training.Distillation;
using Strata.Training.Tuning;

namespace Strata.Cli.Commands;

/// <summary><c>strata tune</c>: instruction (command) or conversation (dialogue) tuning of a model.</summary>
internal static class TuneCommand
{
    public static Command Create(CliContext context)
    {
        var stage = new Option<TuneStage?>("--stage") { Description = "command (single-turn) or dialogue (multi-turn)" };
        var model = new Option<string?>("--model") { Description = "Model to start from (base for command, command for dialogue)" };
        var data = new Option<string[]>("--data") { Description = "Conversations: JSONL (messages / Alpaca / ShareGPT) or a JSON array", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "Output directory" };
        var noPack = new Option<bool>("--no-pack") { Description = "One conversation per row instead of packing" };
        var lora = new Option<bool>("--lora") { Description = "Train a LoRA adapter over the frozen model (written in PEFT's layout) instead of every weight" };
        var rank = new Option<int?>("--lora-rank") { Description = "LoRA rank r (default 8)" };
        var alpha = new Option<double?>("--lora-alpha") { Description = "LoRA alpha; updates are scaled by alpha / r (default 16)" };
        var dropout = new Option<double?>("--lora-dropout") { Description = "Dropout on the adapter's input while training (default 0)" };
        var targets = new Option<string?>("--lora-targets") { Description = "Comma-separated modules: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj and embed_tokens (tied to the LM head; default the attention four)" };
        var rsLora = new Option<bool>("--use-rslora") { Description = "Rank-stabilised LoRA: scale by alpha / sqrt(r)" };
        var plusRatio = new Option<double?>("--loraplus-lr-ratio") { Description = "LoRA+: lora_B learns at this multiple of the learning rate (16 is the paper's choice; default 1, plain LoRA)" };
        var embeddingRatio = new Option<double?>("--lora-embedding-lr-ratio") { Description = "With embed_tokens in --lora-targets: its learning rate as a multiple of --learning-rate (default 0.01)" };
        var baseDtype = new Option<string?>("--base-dtype") { Description = "With --lora: keep the frozen base in float32 (default), bfloat16 or float16 (half the memory)" };
        var teacher = new Option<string?>("--teacher") { Description = "Token-level distillation: a teacher model folder with the student's tokenizer" };
        var kdTemperature = new Option<double?>("--kd-temperature") { Description = "Softening temperature of both distributions (default 1)" };
        var kdAlpha = new Option<double?>("--kd-alpha") { Description = "Weight of the distillation loss; the rest goes to the data's answers (default 0.5)" };
        var kdDivergence = new Option<Divergence?>("--kd-divergence") { Description = "forward KL(teacher‖student) or reverse KL(student‖teacher) (default forward)" };
        var kdTopK = new Option<int?>("--kd-top-k") { Description = "Cache the teacher's top k tokens per position on disk before training instead of running it beside the student" };
        var command = new Command("tune", "Tune a model on instructions or conversations")
        {
            stage, model, data, output, noPack, lora, rank, alpha, dropout, targets, rsLora, plusRatio, embeddingRatio, baseDtype, teacher, kdTemperature, kdAlpha, kdDivergence, kdTopK,
        };
        var flags = new TrainingFlags();
        flags.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var file = parse.GetValue(flags.Config) is string path ? TuneConfig.Load(path) : new TuneConfig();
            var training = flags.Apply(parse, file.Training);
            var resolved = file with
            {
                Stage = parse.GetValue(stage) ?? file.Stage,
                Model = parse.GetValue(model) ?? file.Model,
                Inputs = parse.GetValue(data) is { Length: > 0 } inputs ? inputs : file.Inputs,
                Output = parse.GetValue(output) ?? file.Output,
                Pack = !parse.GetValue(noPack) && file.Pack,
                BaseDtype = parse.GetValue(baseDtype) ?? file.BaseDtype,
                LoraPlusRatio = parse.GetValue(plusRatio) ?? file.LoraPlusRatio,
                LoraEmbeddingRatio = parse.GetValue(embeddingRatio) ?? file.LoraEmbeddingRatio,
                Training = training,
            };
            bool anyLoraFlag = parse.GetValue(lora) || parse.GetValue(rank) is not null || parse.GetValue(alpha) is not null
                || parse.GetValue(dropout) is not null || parse.GetValue(targets) is not null || parse.GetValue(rsLora) || parse.GetValue(plusRatio) is not null || parse.GetValue(embeddingRatio) is not null;
            if (anyLoraFlag || file.Lora is not null)
            {
                var adapter = file.Lora ?? new LoraConfig();
                resolved = resolved with
                {
                    Lora = adapter with
                    {
                        Rank = parse.GetValue(rank) ?? adapter.Rank,
                        Alpha = parse.GetValue(alpha) ?? adapter.Alpha,
                        Dropout = parse.GetValue(dropout) ?? adapter.Dropout,
                        TargetModules = parse.GetValue(targets) is string list
                            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                            : adapter.TargetModules,
                        UseRsLora = parse.GetValue(rsLora) || adapter.UseRsLora,
                    },
                };
            }
            bool anyDistillFlag = parse.GetValue(teacher) is not null || parse.GetValue(kdTemperature) is not null || parse.GetValue(kdAlpha) is not null
                || parse.GetValue(kdDivergence) is not null || parse.GetValue(kdTopK) is not null;
            if (anyDistillFlag || file.Distill is not null)
            {
                var distill = file.Distill ?? new TokenDistillationConfig();
                resolved = resolved with
                {
                    Distill = distill with
                    {
                        Teacher = parse.GetValue(teacher) ?? distill.Teacher,
                        Temperature = parse.GetValue(kdTemperature) ?? distill.Temperature,
                        Alpha = parse.GetValue(kdAlpha) ?? distill.Alpha,
                        Divergence = parse.GetValue(kdDivergence) ?? distill.Divergence,
                        TopK = parse.GetValue(kdTopK) ?? distill.TopK,
                    },
                };
            }
            var monitor = new ConsoleTrainingMonitor(context, training.LogInterval);
            var recipe = new TuneRecipe(resolved, monitor, new Progress<string>(s => context.Error.WriteLine(s)));
            var outcome = monitor.Run($"{resolved.Stage.ToString().ToLowerInvariant()} tuning", training.MaxSteps,
                () => recipe.Run(parse.GetValue(flags.Resume), cancellationToken));
            var result = outcome.Result;
            string what = resolved.Lora is null ? "model" : "LoRA adapter (PEFT layout; `strata merge` folds it into the base)";
            context.Output.WriteLine(result.Completed
                ? $"{resolved.Stage} {what} in {outcome.ModelDirectory}: held-out loss {result.FinalValidationLoss:F4} nats/token on assistant tokens"
                  + $" ({outcome.TrainRows} packed rows, {outcome.TruncatedExamples} truncated conversations)"
                : $"Stopped at step {result.State.Step}; continue with --resume.");
            context.Output.WriteLine($"Report: {Path.Combine(outcome.ModelDirectory, "report", "summary.md")}");
            return Task.FromResult(result.Completed ? 0 : 3);
        });
        return command;
    }
}
