using System.CommandLine;
using Spectre.Console;
using Strata.Models.Configuration;
using Strata.Models.Loading;

namespace Strata.Cli.Commands;

/// <summary><c>strata inspect PATH</c>: what a model folder or GGUF file is, read from its headers without loading weights.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var path = new Argument<string>("model") { Description = "Model folder or .gguf file" };
        var command = new Command("inspect", "Show a model's configuration, parameter count, storage types and size") { path };
        command.SetAction(parse =>
        {
            var package = ModelPackage.Open(parse.GetRequiredValue(path));
            var config = package.Config;
            var weights = package.DescribeWeights();
            long parameters = weights.Parameters, bytes = weights.Bytes;
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
            Row("format", package.Format == ModelFormat.Gguf ? "GGUF" : "Hugging Face safetensors");
            Row("stored types", string.Join(", ", weights.Types.Select(t => $"{t.Key} ×{t.Value}")));
            Row("size on disk", $"{bytes / 1048576.0:F1} MiB");
            Row("tokenizer", $"{package.Tokenizer.VocabularySize} tokens, BOS {package.BosTokenId?.ToString() ?? "none"}{(package.AddsBos ? " (added)" : "")}, EOS {string.Join(", ", package.EndOfSequenceIds)}");
            Row("chat template", package.Metadata.ChatTemplate is null ? "none (ChatML)" : "the model's own");
            context.Console.Write(table);
            return 0;
        });
        return command;
    }
}
