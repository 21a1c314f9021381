using Strata.Serving.Hosting;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Support;

/// <summary>
/// An <see cref="EncoderServer"/> with a document store and API keys for two tenants, <c>acme</c> and <c>globex</c>,
/// so tests can act as either (or as nobody) over real HTTP.
/// </summary>
public class DocumentServer : EncoderServer
{
    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    protected override ServerOptions CreateOptions()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string keys = Path.Combine(directory, "keys.db");
        using (var store = ApiKeyStores.Open(keys))
        {
            AcmeKey = store.Create("acme", "tests").Key;
            GlobexKey = store.Create("globex", "tests").Key;
        }
        return base.CreateOptions() with
        {
            Store = new StoreLocation.Sqlite(keys),
            Documents = DocumentsLocation(directory),
            RetrievalEmbedder = TinyEmbedder,
        };
    }

    /// <summary>Where the documents live: a SQLite file in the server's temporary <paramref name="directory"/>.</summary>
    protected virtual StoreLocation DocumentsLocation(string directory) => new StoreLocation.Sqlite(Path.Combine(directory, "documents.db"));

    /// <summary>A client that authenticates as the tenant holding <paramref name="key"/> (none when null).</summary>
    public HttpClient ClientFor(string? key)
    {
        var client = Client();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Sends a JSON request, asserts the status (the body in the message when it differs) and returns the parsed body.</summary>
    public static async Task<System.Text.Json.JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null,
        System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }
}
