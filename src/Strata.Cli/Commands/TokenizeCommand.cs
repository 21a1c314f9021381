using System.CommandLine;
using System.Text.Json;
using Strata.Models.Loading;

namespace Strata.Cli.Commands;

/// <summary><c>strata tokenize</c>: token ids and pieces of a text.</summary>
internal static class TokenizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model folder, .gguf file or tokenizer.json", Required = true };
        var text = new Option<string>("--text") { Description = "Text to tokenize", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var bos = new Option<bool>("--bos") { Description = "Prepend the BOS token" };
        var command = new Command("tokenize", "Show the tokens of a text") { model, text, json, bos };
        command.SetAction(parse =>
        {
            var tokenizer = ModelPackage.OpenTokenizer(parse.GetRequiredValue(model));
            var ids = tokenizer.Encode(parse.GetRequiredValue(text), addBos: parse.GetValue(bos));
            if (parse.GetValue(json))
            {
                var pieces = ids.Select(id => new { id, token = tokenizer.IdToToken(id) });
                context.Output.WriteLine(JsonSerializer.Serialize(new { ids, tokens = pieces }, CliContext.Json));
            }
            else
            {
                context.Output.WriteLine(string.Join(' ', ids));
                context.Output.WriteLine(string.Join(" | ", ids.Select(id => tokenizer.IdToToken(id))));
                context.Output.WriteLine($"{ids.Count} tokens");
            }
            return 0;
        });
        return command;
    }
}
