using System.CommandLine;
using Strata.Models.Configuration;
using Strata.Models.Encoders;
using Strata.Models.Llama;
using Strata.Models.Tokenization;

namespace Strata.Cli.Commands;

/// <summary><c>strata init</c>: a model with random weights, for tests and experiments.</summary>
internal static class InitCommand
{
    public static Command Create(CliContext context)
    {
        var preset = new Option<string>("--preset")
        {
            Description = "Model shape: nano, tiny, small or smollm2-135m (Llama); bert-tiny (embedding encoder) or bert-tiny-reranker (cross-encoder)",
            DefaultValueFactory = _ => "tiny",
        };
        preset.AcceptOnlyFromAmong(["nano", "tiny", "small", "smollm2-135m", .. EncoderPresets.Names]);
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "tokenizer.json (or a model directory holding one); default: Strata's bundled byte-level BPE",
        };
        var output = new Option<string>("--out") { Description = "Directory to create", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 0 };
        var alibi = new Option<bool>("--alibi") { Description = "ALiBi positions instead of RoPE (runs beyond its training length)" };
        var command = new Command("init", "Create a model with random weights") { preset, tokenizer, output, seed, alibi };
        command.SetAction(parse =>
        {
            string outDir = parse.GetRequiredValue(output);
            if (EncoderPresets.IsEncoder(parse.GetRequiredValue(preset)))
            {
                if (parse.GetValue(tokenizer) is not null || parse.GetValue(alibi)) throw new ArgumentException("--tokenizer and --alibi apply to Llama presets, not encoders");
                long count = EncoderPresets.Create(parse.GetRequiredValue(preset), outDir, parse.GetValue(seed));
                context.Output.WriteLine($"Created {outDir}: {parse.GetValue(preset)} preset, {count:N0} parameters, WordPiece vocabulary {EncoderPresets.TinyVocabulary().Count}.");
                return 0;
            }
            string tokenizerJson = ResolveTokenizer(parse.GetValue(tokenizer));
            var tok = tokenizerJson == BundledTokenizerMarker ? BundledTokenizer.Load() : StrataTokenizer.FromTokenizerJson(tokenizerJson);
            Directory.CreateDirectory(outDir);
            var config = ModelPresets.ByName(parse.GetRequiredValue(preset), tok.VocabularySize) with
            {
                // GPT-2 convention when the tokenizer names no BOS/EOS: <|endoftext|> serves as both.
                BosTokenId = tok.BosTokenId ?? tok.TokenToId(BundledTokenizer.EndOfText),
                EosTokenIds = (tok.EosTokenId ?? tok.TokenToId(BundledTokenizer.EndOfText)) is int eos ? [eos] : [],
                PositionEncoding = parse.GetValue(alibi) ? PositionEncoding.Alibi : PositionEncoding.Rope,
            };
            using var model = LlamaCheckpoint.Create(config, seed: parse.GetValue(seed));
            LlamaCheckpoint.Save(model, outDir);
            string target = Path.Combine(outDir, "tokenizer.json");
            if (tokenizerJson == BundledTokenizerMarker) BundledTokenizer.SaveTo(target);
            else if (Path.GetFullPath(tokenizerJson) != Path.GetFullPath(target)) File.Copy(tokenizerJson, target, overwrite: true);
            long parameters = model.parameters().Sum(p => p.numel());
            context.Output.WriteLine($"Created {outDir}: {parse.GetValue(preset)} preset, {parameters:N0} parameters, vocabulary {tok.VocabularySize}.");
            return 0;
        });
        return command;
    }

    private const string BundledTokenizerMarker = "<bundled>";

    private static string ResolveTokenizer(string? argument)
    {
        if (argument is null) return BundledTokenizerMarker;
        string path = Directory.Exists(argument) ? Path.Combine(argument, "tokenizer.json") : argument;
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: tokenizer not found", path);
        return path;
    }
}
