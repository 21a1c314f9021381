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
}
