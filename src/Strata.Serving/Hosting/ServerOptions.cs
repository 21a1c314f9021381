using Strata.Serving.Arena;
using Strata.Serving.Engine;
using Strata.Serving.Registry;
using Strata.Serving.Storage;

namespace Strata.Serving.Hosting;

/// <summary>Everything <c>strata serve</c> configures. Defaults are safe: loopback only, bounded queues and bodies.</summary>
public sealed record ServerOptions
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Addresses to listen on; port 0 picks a free port (tests).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    public IReadOnlyList<ModelSource> Models { get; init; } = [];

    public EngineOptions Engine { get; init; } = new();

    /// <summary>Larger bodies get 413; 4 MiB holds a full context of text many times over.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 << 20;

    /// <summary>Keys given on the command line (tenant "default").</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>
    /// The server's store: API keys and tenants (create keys with <c>strata keys create</c>), read from a SQLite file
    /// when it exists, and arena battles, for which the file is created; or a PostgreSQL database, which must be
    /// reachable at start-up. Null for none (no keys but the command line's; the arena answers 501).
    /// </summary>
    public StoreLocation? Store { get; init; }

    /// <summary>How the arena (<c>/arena</c>, <c>/v1/arena</c>) runs battles and which votes count.</summary>
    public ArenaOptions Arena { get; init; } = new();

    /// <summary>
    /// Where tenants' documents live (<c>/v1/documents</c>, retrieval): a SQLite file, created when missing, or a
    /// PostgreSQL database that several replicas share (its tables created on first open). Null: the document
    /// endpoints answer 501.
    /// </summary>
    public StoreLocation? Documents { get; init; }

    /// <summary>The encoder that embeds documents and queries (default: the first embedding model served).</summary>
    public string? RetrievalEmbedder { get; init; }

    /// <summary>The cross-encoder that reranks retrieved chunks (default: the first one served).</summary>
    public string? RetrievalReranker { get; init; }

    /// <summary>ASP.NET Core's own request logging (off by default: the CLI prints its own lines).</summary>
    public bool FrameworkLogging { get; init; }
}
