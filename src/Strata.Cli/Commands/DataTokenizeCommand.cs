using System.CommandLine;
using Strata.Data.IO;
using Strata.Models.Loading;
using Strata.Models.Tokenization;
using Strata.Training.Datasets;

namespace Strata.Cli.Commands;

/// <summary>
/// <c>strata data tokenize</c>: the token files <c>strata pretrain</c> trains on (train.bin, val.bin, meta.json), from
/// the clean shards. Pretrain reuses them when pointed at the same inputs and tokenizer with the output as its
/// <c>--out</c> folder's <c>data/</c>.
/// </summary>
internal static class DataTokenizeCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<string[]>("--input") { Description = "Clean shards (.jsonl) or the folder holding them", Required = true, AllowMultipleArgumentsPerToken = true };
        var tokenizerPath = new Option<string>("--tokenizer") { Description = "tokenizer.json, or a model directory holding one", Required = true };
        var output = new Option<string>("--output") { Description = "Dataset folder (e.g. RUN/data for strata pretrain --out RUN)", Required = true };
        var validation = new Option<double>("--validation-fraction") { Description = "Share of characters held out, from the end", DefaultValueFactory = _ => 0.1 };
        var command = new Command("tokenize", "Tokenize clean shards into the token files strata pretrain reads") { input, tokenizerPath, output, validation };
        command.SetAction((parse, ct) =>
        {
            var files = parse.GetRequiredValue(input).SelectMany(path => Directory.Exists(path)
                ? Directory.GetFiles(path, "shard-*.jsonl").Order(StringComparer.Ordinal)
                : (IEnumerable<string>)[path]).ToArray();
            if (files.Length == 0) throw new ArgumentException("no .jsonl shards found in the inputs (compressed shards: run data clean with --compression none)");
            foreach (string file in files)
                if (InputFiles.FormatOf(file) != InputFormat.JsonLines || !file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException($"{file}: expected an uncompressed .jsonl shard");
            string tokenizerSource = parse.GetRequiredValue(tokenizerPath);
            var tokenizer = ModelPackage.OpenTokenizer(tokenizerSource);
            int endOfText = tokenizer.TokenToId(BundledTokenizer.EndOfText) ?? tokenizer.EosTokenId
                ?? throw new ArgumentException($"the tokenizer has no {BundledTokenizer.EndOfText} or EOS token to separate documents");
            var info = TokenDatasetBuilder.Build(files, tokenizer, endOfText, parse.GetRequiredValue(output),
                new PretrainDataOptions { ValidationFraction = parse.GetValue(validation) },
                new Progress<double>(f => context.Error.Write($"\rtokenizing {f:P0}")), ct);
            context.Error.WriteLine();
            context.Output.WriteLine($"{info.TrainTokens:N0} train and {info.ValidationTokens:N0} validation tokens in {parse.GetRequiredValue(output)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
