using System.Text.Json.Nodes;
using Strata.Models.Remote;

namespace Strata.Evaluation.Models;

/// <summary>
/// A model behind an OpenAI-compatible server (another <c>strata serve</c>, vLLM, llama.cpp's server, Ollama, or
/// OpenAI): plain prompts go to <c>/v1/completions</c>, chat prompts to <c>/v1/chat/completions</c>, greedily
/// (temperature 0). It gives text only, so it runs generate_until tasks. Rate limits and server errors are retried
/// (<see cref="OpenAiEndpoint"/>).
/// </summary>
public sealed class EndpointModel : IEvaluatedModel
{
    private readonly OpenAiEndpoint endpoint;
    private readonly string model;

    /// <param name="baseUrl">The server's root, e.g. <c>http://127.0.0.1:8080</c> (a trailing <c>/v1</c> is accepted).</param>
    /// <param name="model">The <c>model</c> field sent with every request.</param>
    /// <param name="apiKey">Bearer token, or null for servers without keys.</param>
    public EndpointModel(Uri baseUrl, string model, string? apiKey, HttpMessageHandler? handler = null, Func<int, TimeSpan>? backoff = null)
    {
        endpoint = new OpenAiEndpoint(baseUrl, apiKey, handler, backoff);
        this.model = model;
        Name = model;
    }

    public string Name { get; }

    public async Task<string> GenerateAsync(EvalPrompt prompt, IReadOnlyList<string> until, int maxTokens, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            // OpenAI takes at most four stop sequences; the rest are applied here.
            ["stop"] = new JsonArray(until.Take(4).Select(s => (JsonNode?)s).ToArray()),
        };
        IReadOnlyList<RemoteChoice> choices;
        if (prompt.Messages is null)
        {
            body["prompt"] = prompt.Text;
            choices = await endpoint.CompleteAsync(body, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            body["messages"] = prompt.Messages.DeepClone();
            choices = await endpoint.ChatAsync(body, cancellationToken).ConfigureAwait(false);
        }
        string text = choices[0].Text;
        foreach (string stop in until)
        {
            int at = stop.Length == 0 ? -1 : text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) text = text[..at];
        }
        return text;
    }

    public void Dispose() => endpoint.Dispose();
}
