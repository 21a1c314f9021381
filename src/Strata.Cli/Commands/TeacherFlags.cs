using System.CommandLine;
using Strata.Training.Distillation;

namespace Strata.Cli.Commands;

/// <summary>The flags that name a teacher, shared by <c>strata distill</c> and <c>strata data quality</c>.</summary>
internal sealed class TeacherFlags(string role)
{
    private readonly Option<string> location = new("--teacher") { Description = $"{role}: a model folder, a .gguf file, or the http(s) URL of an OpenAI-compatible server", Required = true };
    private readonly Option<string?> model = new("--teacher-model") { Description = "The model name sent to a remote teacher (default \"default\")" };
    private readonly Option<string> keyVariable = new("--api-key-env") { Description = "Environment variable holding a remote teacher's API key", DefaultValueFactory = _ => "OPENAI_API_KEY" };
    private readonly Option<int> concurrency = new("--concurrency") { Description = "Requests in flight at once with a remote teacher", DefaultValueFactory = _ => 4 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { location, model, keyVariable, concurrency }) command.Add(option);
    }

    public TeacherSource Read(ParseResult parse) => new(parse.GetRequiredValue(location))
    {
        Model = parse.GetValue(model),
        ApiKey = Environment.GetEnvironmentVariable(parse.GetRequiredValue(keyVariable)) is { Length: > 0 } key ? key : null,
        Concurrency = parse.GetValue(concurrency),
    };
}
