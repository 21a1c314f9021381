using System.CommandLine;
using System.Diagnostics;
using Strata.Models.Gguf;
using Strata.Models.Quantization;

namespace Strata.Cli.Commands;

/// <summary><c>strata quantize</c>: a model folder or GGUF file to a GGUF file llama.cpp loads (see GgufExporter).</summary>
internal static class QuantizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json, safetensors, tokenizer.json) or a .gguf file to requantize", Required = true };
        var type = new Option<string>("--type") { Description = "Output type: " + string.Join(", ", GgufFileTypes.Names), Required = true };
        type.AcceptOnlyFromAmong([.. GgufFileTypes.Names]);
        var output = new Option<string>("--out") { Description = "The .gguf file to write", Required = true };
        var command = new Command("quantize", "Write a model as a GGUF file (f32, f16, bf16, q8_0, q4_0, q4_k_m, ...) that llama.cpp and Strata load")
        {
            model, type, output,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var fileType = GgufFileTypes.Parse(parse.GetRequiredValue(type));
            var clock = Stopwatch.StartNew();
            var result = GgufExporter.Export(parse.GetRequiredValue(model), parse.GetRequiredValue(output), fileType,
                new LineProgress(context.Error), cancellationToken);
            string mix = string.Join(", ", result.TensorsByType.OrderByDescending(p => p.Value).Select(p => $"{p.Value} {GgmlTypes.Name(p.Key)}"));
            context.Output.WriteLine(
                $"Wrote {result.Path}: {GgufFileTypes.Name(result.FileType)}, {result.TensorCount} tensors ({mix}), {result.FileBytes / 1048576.0:F1} MiB in {clock.Elapsed.TotalSeconds:F1} s.");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Prints each tensor as it starts, synchronously (Progress&lt;T&gt; would post lines out of order).</summary>
    private sealed class LineProgress(TextWriter error) : IProgress<GgufExportProgress>
    {
        public void Report(GgufExportProgress value) =>
            error.WriteLine($"[{value.Index,4}/{value.Count}] {value.Tensor,-32} [{string.Join(", ", value.Shape)}] {value.SourceType} -> {GgmlTypes.Name(value.Type)}, {value.Bytes / 1048576.0:F2} MiB");
    }
}
