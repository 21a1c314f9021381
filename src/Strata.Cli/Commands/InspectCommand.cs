using System.CommandLine;
using Spectre.Console;
using Strata.Models.Checkpoints;
using Strata.Models.Configuration;

namespace Strata.Cli.Commands;

/// <summary><c>strata inspect DIR</c>: what a checkpoint is, read from its headers without loading weights.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var directory = new Argument<string>("model") { Description = "Model directory" };
        var command = new Command("inspect", "Show a model's configuration, parameter count, dtype and size") { directory };
        command.SetAction(parse =>
        {
            string dir = parse.GetRequiredValue(directory);
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: model directory not found");
            var config = ModelConfig.Load(dir);
            using var weights = CheckpointWeights.Open(dir);
            long parameters = 0;
            var dtypes = new SortedSet<string>();
            foreach (string name in weights.Names)
            {
                var info = weights.Info(name);
                parameters += info.Shape.Aggregate(1L, (a, b) => a * b);
                dtypes.Add(info.DType.ToString());
            }
            long bytes = Directory.EnumerateFiles(dir, "*.safetensors").Sum(f => new FileInfo(f).Length);
            var table = new Table().AddColumn("property").AddColumn("value");
            void Row(string key, object? value) => table.AddRow(Markup.Escape(key), Markup.Escape(value?.ToString() ?? "-"));
            Row("architecture", string.Join(", ", config.Architectures));
            Row("parameters", $"{parameters:N0} ({parameters / 1e6:F1} M)");
            Row("layers", config.NumHiddenLayers);
            Row("hidden / intermediate", $"{config.HiddenSize} / {config.IntermediateSize}");
            Row("heads / kv heads / head dim", $"{config.NumAttentionHeads} / {config.KeyValueHeads} / {config.HeadDimension}");
            Row("vocabulary", config.VocabSize);
            Row("positions", config.PositionEncoding == PositionEncoding.Alibi
                ? "ALiBi (any length)"
                : $"RoPE θ={config.RopeTheta} {config.RopeScaling?.Kind ?? "unscaled"}, {config.MaxPositionEmbeddings} tokens");
            Row("tied embeddings", config.TieWordEmbeddings);
            Row("attention bias", config.HasAttentionBias);
            Row("stored dtype", string.Join(", ", dtypes));
            Row("size on disk", $"{bytes / 1048576.0:F1} MiB");
            Row("tokenizer", File.Exists(Path.Combine(dir, "tokenizer.json")) ? "tokenizer.json" : "none");
            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
