using System.CommandLine;
using Strata.Models.Adapters;

namespace Strata.Cli.Commands;

/// <summary><c>strata merge</c>: fold a LoRA adapter (Strata's or Hugging Face PEFT's) into its base model.</summary>
internal static class MergeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "The base model folder the adapter was trained on", Required = true };
        var adapter = new Option<string>("--adapter") { Description = "LoRA adapter folder (adapter_config.json + adapter_model.safetensors, as PEFT saves it)", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the merged model", Required = true };
        var command = new Command("merge", "Fold a LoRA adapter into its base model: one plain model folder that every backend and `strata quantize` read")
        {
            model, adapter, output,
        };
        command.SetAction(parse =>
        {
            string outDir = parse.GetRequiredValue(output);
            var (config, matrices) = AdapterMerge.Run(parse.GetRequiredValue(model), parse.GetRequiredValue(adapter), outDir);
            context.Output.WriteLine($"Merged a rank-{config.Rank} adapter ({string.Join(", ", config.TargetModules)}, scale {config.Scale:G4}) into {matrices} matrices: {outDir}");
            return 0;
        });
        return command;
    }
}
