using Strata.Evaluation.Models;
using Strata.Models.Inference;

namespace Strata.Evaluation.Running;

/// <summary>Which model to evaluate: one Strata loads, or one behind an OpenAI-compatible server.</summary>
public abstract record ModelSpec
{
    private ModelSpec() { }

    /// <summary>The name reports use.</summary>
    public abstract string Name { get; }

    /// <summary>A checkpoint folder or a GGUF file.</summary>
    public sealed record Local(string Path, string? DisplayName = null) : ModelSpec
    {
        public override string Name => DisplayName ?? Strata.Models.Loading.ModelPackage.NameOf(Path);
    }

    /// <summary>An OpenAI-compatible server; the key, if any, is read from an environment variable so it stays out of
    /// shell history and reports.</summary>
    public sealed record Endpoint(Uri Url, string Model, string? ApiKeyVariable = null) : ModelSpec
    {
        public override string Name => Model;
    }

    /// <summary>
    /// Reads <c>PATH[=NAME]</c> for a local model and <c>URL=MODEL</c> (http/https) for an endpoint.
    /// </summary>
    /// <exception cref="ArgumentException">An endpoint without a model name.</exception>
    public static ModelSpec Parse(string value, string? apiKeyVariable = null)
    {
        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            int at = value.LastIndexOf('=');
            if (at < 0 || at == value.Length - 1) throw new ArgumentException($"--model {value}: an endpoint is URL=MODEL (the model name the server knows)");
            return new Endpoint(new Uri(value[..at]), value[(at + 1)..], apiKeyVariable);
        }
        int eq = value.LastIndexOf('=');
        return eq > 0 ? new Local(value[..eq], value[(eq + 1)..]) : new Local(value);
    }

    /// <summary>Loads the model (weights into memory for a local one).</summary>
    /// <exception cref="InvalidOperationException">The endpoint's key variable is not set.</exception>
    public IEvaluatedModel Open(InferenceOptions inference) => this switch
    {
        Local local => LocalModel.Open(local.Path, inference, local.Name),
        Endpoint endpoint => new EndpointModel(endpoint.Url, endpoint.Model, endpoint.ApiKeyVariable is null ? null
            : Environment.GetEnvironmentVariable(endpoint.ApiKeyVariable) ?? throw new InvalidOperationException($"the API key variable {endpoint.ApiKeyVariable} is not set")),
        _ => throw new InvalidOperationException(),
    };
}
