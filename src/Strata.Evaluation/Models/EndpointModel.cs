using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Strata.Evaluation.Models;

/// <summary>
/// A model behind an OpenAI-compatible server (another <c>strata serve</c>, vLLM, llama.cpp's server, Ollama, or
/// OpenAI): plain prompts go to <c>/v1/completions</c>, chat prompts to <c>/v1/chat/completions</c>, greedily
/// (temperature 0). It gives text only, so it runs generate_until tasks. Rate limits and server errors are retried.
/// </summary>
public sealed class EndpointModel : IEvaluatedModel
{
    private const int Attempts = 4;
    private readonly HttpClient http;
    private readonly string model;
    private readonly Func<int, TimeSpan> backoff;

    /// <param name="baseUrl">The server's root, e.g. <c>http://127.0.0.1:8080</c> (a trailing <c>/v1</c> is accepted).</param>
    /// <param name="model">The <c>model</c> field sent with every request.</param>
    /// <param name="apiKey">Bearer token, or null for servers without keys.</param>
    public EndpointModel(Uri baseUrl, string model, string? apiKey, HttpMessageHandler? handler = null, Func<int, TimeSpan>? backoff = null)
    {
        string root = baseUrl.ToString().TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.Ordinal)) root = root[..^3];
        http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = new Uri(root + "/");
        http.Timeout = TimeSpan.FromMinutes(5);
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        this.model = model;
        this.backoff = backoff ?? (attempt => TimeSpan.FromSeconds(Math.Pow(2, attempt)));
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
        string path;
        if (prompt.Messages is null)
        {
            body["prompt"] = prompt.Text;
            path = "v1/completions";
        }
        else
        {
            body["messages"] = prompt.Messages.DeepClone();
            path = "v1/chat/completions";
        }
        var reply = await PostAsync(path, body, cancellationToken).ConfigureAwait(false);
        var choice = reply["choices"]?[0];
        string text = (prompt.Messages is null ? choice?["text"] : choice?["message"]?["content"])?.GetValue<string>()
            ?? throw new InvalidDataException($"{http.BaseAddress}{path}: the reply has no choices[0] text");
        foreach (string stop in until)
        {
            int at = stop.Length == 0 ? -1 : text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) text = text[..at];
        }
        return text;
    }

    private async Task<JsonNode> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(path, content, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < Attempts)
            {
                await Task.Delay(backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }
            using (response)
            {
                string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return JsonNode.Parse(text) ?? throw new InvalidDataException($"{http.BaseAddress}{path}: empty reply");
                bool retry = response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
                if (!retry || attempt >= Attempts)
                {
                    throw new HttpRequestException($"{http.BaseAddress}{path}: {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text)}", null, response.StatusCode);
                }
            }
            await Task.Delay(backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose() => http.Dispose();
}
