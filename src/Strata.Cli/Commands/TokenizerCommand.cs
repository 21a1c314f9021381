using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Strata.Models.Tokenization;

namespace Strata.Cli.Commands;

/// <summary><c>strata tokenizer train</c>: a new byte-level BPE tokenizer from text files.</summary>
internal static class TokenizerCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<string[]>("--input") { Description = "Text files to learn from (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Vocabulary size including bytes and special tokens", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write tokenizer.json (a file path or a directory)", Required = true };
        var special = new Option<string[]>("--special-token") { Description = "Reserved special token (repeatable); default <|endoftext|>" };
        var train = new Command("train", "Train a byte-level BPE tokenizer and save it as a Hugging Face tokenizer.json") { input, vocabSize, output, special };
        train.SetAction((parse, cancellationToken) =>
        {
            string[] files = parse.GetRequiredValue(input);
            foreach (string file in files)
            {
                if (!File.Exists(file)) throw new FileNotFoundException($"{file}: input file not found", file);
            }
            string outPath = parse.GetRequiredValue(output);
            if (Directory.Exists(outPath) || outPath.EndsWith('/')) outPath = Path.Combine(outPath, "tokenizer.json");
            string[] specials = parse.GetValue(special) is { Length: > 0 } s ? s : ["<|endoftext|>"];
            var options = new BpeTrainerOptions(parse.GetRequiredValue(vocabSize)) { SpecialTokens = specials };
            var clock = Stopwatch.StartNew();
            BpeModel? model = null;
            context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(progress =>
                {
                    var task = progress.AddTask("training BPE", maxValue: 1.0);
                    model = BpeTrainer.TrainFromFiles(files, options, new Progress<double>(v => task.Value = v), cancellationToken);
                    task.Value = 1.0;
                });
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            TokenizerJsonWriter.Write(model!, outPath);
            context.Output.WriteLine($"Wrote {outPath}: {options.VocabularySize} tokens in {clock.Elapsed.TotalSeconds:F1} s.");
            return Task.FromResult(0);
        });
        return new Command("tokenizer", "Tokenizer tools") { train };
    }
}
