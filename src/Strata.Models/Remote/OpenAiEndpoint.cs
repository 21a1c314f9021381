using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Strata.Models.Remote;

/// <summary>One completion a server returned: its text and OpenAI's finish_reason ("stop", "length", …).</summary>
public sealed record RemoteChoice(string Text, string? FinishReason);

/// <summary>
/// An OpenAI-compatible server (another <c>strata serve</c>, vLLM, llama.cpp's server, Ollama, or OpenAI) as a
/// client sees it: JSON posted under <c>/v1</c>, a bearer key when given, and rate limits (429), server errors (5xx)
/// and dropped connections retried with exponential back-off. The one HTTP client of models Strata does not host:
/// evaluation's endpoint models and distillation's remote teachers use it.
/// </summary>
public sealed class OpenAiEndpoint : IDisposable
{
    private const int Attempts = 4;
    private readonly HttpClient http;
    private readonly Func<int, TimeSpan> backoff;

    /// <param name="baseUrl">The server's root, e.g. <c>http://127.0.0.1:8080</c> (a trailing <c>/v1</c> is accepted).</param>
    /// <param name="apiKey">Bearer token, or null for servers without keys.</param>
    /// <param name="backoff">Wait before retry n (1-based); default 2ⁿ seconds.</param>
    public OpenAiEndpoint(Uri baseUrl, string? apiKey, HttpMessageHandler? handler = null, Func<int, TimeSpan>? backoff = null)
    {
        string root = baseUrl.ToString().TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.Ordinal)) root = root[..^3];
        http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = new Uri(root + "/");
        http.Timeout = TimeSpan.FromMinutes(5);
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        this.backoff = backoff ?? (attempt => TimeSpan.FromSeconds(Math.Pow(2, attempt)));
    }

    public Uri BaseAddress => http.BaseAddress!;

    /// <summary><c>POST /v1/chat/completions</c>: the choices' message contents, in order.</summary>
    public async Task<IReadOnlyList<RemoteChoice>> ChatAsync(JsonObject body, CancellationToken cancellationToken)
    {
        var reply = await PostAsync("v1/chat/completions", body, cancellationToken).ConfigureAwait(false);
        return Choices(reply, "v1/chat/completions", choice => choice["message"]?["content"]);
    }

    /// <summary><c>POST /v1/completions</c>: the choices' texts, in order.</summary>
    public async Task<IReadOnlyList<RemoteChoice>> CompleteAsync(JsonObject body, CancellationToken cancellationToken)
    {
        var reply = await PostAsync("v1/completions", body, cancellationToken).ConfigureAwait(false);
        return Choices(reply, "v1/completions", choice => choice["text"]);
    }

    private IReadOnlyList<RemoteChoice> Choices(JsonNode reply, string path, Func<JsonNode, JsonNode?> text)
    {
        var choices = reply["choices"] as JsonArray;
        if (choices is null || choices.Count == 0) throw new InvalidDataException($"{http.BaseAddress}{path}: the reply has no choices");
        return choices.Select(choice =>
        {
            if (choice is null || text(choice) is not JsonValue value || !value.TryGetValue(out string? content))
            {
                throw new InvalidDataException($"{http.BaseAddress}{path}: a choice has no text");
            }
            return new RemoteChoice(content, choice["finish_reason"] is JsonValue reason && reason.TryGetValue(out string? r) ? r : null);
        }).ToList();
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
