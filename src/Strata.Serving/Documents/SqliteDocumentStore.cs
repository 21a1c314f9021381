using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Strata.Models.Inference;
using Strata.Serving.Storage;

namespace Strata.Serving.Documents;

/// <summary>
/// Documents in a SQLite file: text and chunks in tables, BM25 through an FTS5 index (Porter stemming, Unicode word
/// rules, diacritics folded), chunk vectors as float32 blobs searched exactly (<see cref="VectorSearch"/>). Exact
/// search reads every vector of the tenant, so they are cached in memory per tenant and embedder and re-read only when
/// the tenant's generation (bumped by every add and delete, also by another process such as <c>strata docs</c>)
/// changes. Every statement filters by tenant.
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore
{
    private const int SchemaVersion = 1;

    private readonly string connectionString;
    private readonly TimeProvider time;
    private readonly VectorCache cache = new();

    private SqliteDocumentStore(string path, TimeProvider time)
    {
        Path = path;
        this.time = time;
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
    }

    public string Path { get; }

    public string Description => $"SQLite {Path}";

    /// <summary>Opens (creating when missing) the store at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a SQLite database, or was written by a newer Strata.</exception>
    public static SqliteDocumentStore Open(string path, TimeProvider? time = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return SqliteFile.Ready(new SqliteDocumentStore(full, time ?? TimeProvider.System), full, "document store", s => s.EnsureSchema());
    }

    private void EnsureSchema()
    {
        using var connection = Connect();
        // The file may be shared with the key store (one --store for the server), which owns PRAGMA user_version;
        // each component records its own schema version in strata_schema instead.
        Scalar(connection, "PRAGMA journal_mode = WAL", []);
        using var transaction = connection.BeginTransaction();
        Execute(connection, "CREATE TABLE IF NOT EXISTS strata_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)", []);
        long version = Convert.ToInt64(Scalar(connection, "SELECT coalesce((SELECT version FROM strata_schema WHERE component = 'documents'), 0)", []), CultureInfo.InvariantCulture);
        if (version > SchemaVersion) throw new InvalidDataException($"{Path}: document store schema {version} was written by a newer Strata (this one reads {SchemaVersion})");
        if (version == SchemaVersion) return;
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS documents (
                id          TEXT PRIMARY KEY,
                tenant      TEXT NOT NULL,
                name        TEXT NOT NULL,
                media_type  TEXT NOT NULL,
                text        TEXT NOT NULL,
                characters  INTEGER NOT NULL,
                chunks      INTEGER NOT NULL,
                embedder    TEXT,
                created_at  TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS documents_tenant ON documents (tenant, created_at);
            CREATE TABLE IF NOT EXISTS chunks (
                id          INTEGER PRIMARY KEY,
                document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                tenant      TEXT NOT NULL,
                idx         INTEGER NOT NULL,
                span_start  INTEGER NOT NULL,
                span_end    INTEGER NOT NULL,
                text        TEXT NOT NULL,
                heading     TEXT,
                embedder    TEXT,
                vector      BLOB
            );
            CREATE INDEX IF NOT EXISTS chunks_document ON chunks (document_id);
            CREATE INDEX IF NOT EXISTS chunks_tenant_embedder ON chunks (tenant, embedder);
            CREATE VIRTUAL TABLE IF NOT EXISTS chunk_text USING fts5 (text, tenant UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE TABLE IF NOT EXISTS tenant_generations (tenant TEXT PRIMARY KEY, generation INTEGER NOT NULL);
            """, []);
        Execute(connection, "INSERT INTO strata_schema (component, version) VALUES ('documents', $version)", [("$version", SchemaVersion)]);
        transaction.Commit();
    }

    public StoredDocument Add(string tenant, string name, string mediaType, string text, IReadOnlyList<NewChunk> chunks, string? embedder)
    {
        var document = NewDocuments.Prepare(tenant, name, mediaType, text, chunks, embedder, time);
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        Execute(connection, """
            INSERT INTO documents (id, tenant, name, media_type, text, characters, chunks, embedder, created_at)
            VALUES ($id, $tenant, $name, $media, $text, $characters, $chunks, $embedder, $created)
            """,
            [("$id", document.Id), ("$tenant", tenant), ("$name", name), ("$media", mediaType), ("$text", text), ("$characters", text.Length),
             ("$chunks", chunks.Count), ("$embedder", embedder), ("$created", SqliteTime.Format(document.CreatedAt))]);
        using (var insert = connection.CreateCommand())
        using (var index = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO chunks (document_id, tenant, idx, span_start, span_end, text, heading, embedder, vector)
                VALUES ($document, $tenant, $idx, $start, $end, $text, $heading, $embedder, $vector) RETURNING id
                """;
            index.CommandText = "INSERT INTO chunk_text (rowid, text, tenant) VALUES ($row, $text, $tenant)";
            for (int i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                insert.Parameters.Clear();
                Bind(insert, [("$document", document.Id), ("$tenant", tenant), ("$idx", i), ("$start", chunk.Start), ("$end", chunk.End),
                    ("$text", chunk.Text), ("$heading", chunk.Heading), ("$embedder", embedder), ("$vector", chunk.Vector is null ? null : Blob(Pooling.Normalised(chunk.Vector)))]);
                long row = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
                index.Parameters.Clear();
                Bind(index, [("$row", row), ("$text", chunk.Text), ("$tenant", tenant)]);
                index.ExecuteNonQuery();
            }
        }
        BumpGeneration(connection, tenant);
        transaction.Commit();
        return document;
    }

    public IReadOnlyList<StoredDocument> List(string tenant, int limit = 100, int offset = 0) =>
        Query(Connect, "SELECT id, tenant, name, media_type, characters, chunks, embedder, created_at FROM documents WHERE tenant = $tenant ORDER BY created_at DESC, id LIMIT $limit OFFSET $offset",
            [("$tenant", tenant), ("$limit", limit), ("$offset", offset)], ReadDocument);

    public StoredDocument? Find(string tenant, string id) =>
        Query(Connect, "SELECT id, tenant, name, media_type, characters, chunks, embedder, created_at FROM documents WHERE tenant = $tenant AND id = $id",
            [("$tenant", tenant), ("$id", id)], ReadDocument).FirstOrDefault();

    public string? Text(string tenant, string id)
    {
        using var connection = Connect();
        return Scalar(connection, "SELECT text FROM documents WHERE tenant = $tenant AND id = $id", [("$tenant", tenant), ("$id", id)]) as string;
    }

    public bool Delete(string tenant, string id)
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        Execute(connection, "DELETE FROM chunk_text WHERE rowid IN (SELECT id FROM chunks WHERE tenant = $tenant AND document_id = $id)", [("$tenant", tenant), ("$id", id)]);
        Execute(connection, "DELETE FROM chunks WHERE tenant = $tenant AND document_id = $id", [("$tenant", tenant), ("$id", id)]);
        bool deleted = Execute(connection, "DELETE FROM documents WHERE tenant = $tenant AND id = $id", [("$tenant", tenant), ("$id", id)]) > 0;
        if (deleted) BumpGeneration(connection, tenant);
        transaction.Commit();
        return deleted;
    }

    public IReadOnlyList<ChunkHit> SearchText(string tenant, string query, int limit)
    {
        string match = MatchExpression(query);
        if (match.Length == 0 || limit <= 0) return [];
        return Query(Connect, """
            SELECT c.document_id, d.name, c.idx, c.span_start, c.span_end, c.text, c.heading, -bm25(chunk_text) AS score
            FROM chunk_text JOIN chunks c ON c.id = chunk_text.rowid JOIN documents d ON d.id = c.document_id
            WHERE chunk_text MATCH $match AND chunk_text.tenant = $tenant AND c.tenant = $tenant
            ORDER BY bm25(chunk_text) LIMIT $limit
            """, [("$match", match), ("$tenant", tenant), ("$limit", limit)], ReadHit);
    }

    public IReadOnlyList<ChunkHit> SearchVectors(string tenant, float[] query, string embedder, int limit)
    {
        var nearest = VectorCache.Nearest(Vectors(tenant, embedder), query, embedder, limit);
        if (nearest.Count == 0) return [];
        var hits = Query(Connect, $"""
            SELECT c.id, c.document_id, d.name, c.idx, c.span_start, c.span_end, c.text, c.heading
            FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.tenant = $tenant AND c.id IN ({string.Join(',', nearest.Select(n => n.Row))})
            """, [("$tenant", tenant)],
            r => (Row: r.GetInt64(0), Hit: new ChunkHit(r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), 0)))
            .ToDictionary(h => h.Row, h => h.Hit);
        return VectorCache.InOrder(nearest, hits);
    }

    private VectorCache.Entry Vectors(string tenant, string embedder)
    {
        using var connection = Connect();
        long generation = Convert.ToInt64(Scalar(connection, "SELECT coalesce((SELECT generation FROM tenant_generations WHERE tenant = $tenant), 0)", [("$tenant", tenant)]), CultureInfo.InvariantCulture);
        return cache.Get(tenant, embedder, generation, () => ReadVectors(connection, tenant, embedder));
    }

    private static IEnumerable<(long Row, float[] Vector)> ReadVectors(SqliteConnection connection, string tenant, string embedder)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, vector FROM chunks WHERE tenant = $tenant AND embedder = $embedder AND vector IS NOT NULL ORDER BY id";
        Bind(command, [("$tenant", tenant), ("$embedder", embedder)]);
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (reader.GetInt64(0), MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(1)).ToArray());
    }

    private static void BumpGeneration(SqliteConnection connection, string tenant) =>
        Execute(connection, "INSERT INTO tenant_generations (tenant, generation) VALUES ($tenant, 1) ON CONFLICT (tenant) DO UPDATE SET generation = generation + 1",
            [("$tenant", tenant)]);

    /// <summary>
    /// The query's words (<see cref="QueryWords"/>) as an FTS5 expression: each a quoted term, any of them matching
    /// (BM25 ranks chunks with more and rarer terms first). Quoting keeps FTS5 syntax in user text (AND, NEAR, *,
    /// quotes) from being interpreted.
    /// </summary>
    internal static string MatchExpression(string query) => string.Join(" OR ", QueryWords.Of(query).Select(w => $"\"{w}\""));

    private static byte[] Blob(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    private static StoredDocument ReadDocument(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.IsDBNull(6) ? null : r.GetString(6), SqliteTime.Parse(r.GetString(7)));

    private static ChunkHit ReadHit(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetDouble(7));

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        // Cascading deletes need foreign keys on, per connection.
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static void Bind(SqliteCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
    }

    private static object? Scalar(SqliteConnection connection, string sql, (string, object?)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command, parameters);
        return command.ExecuteScalar();
    }

    private static int Execute(SqliteConnection connection, string sql, (string, object?)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command, parameters);
        return command.ExecuteNonQuery();
    }

    private static List<T> Query<T>(Func<SqliteConnection> connect, string sql, (string, object?)[] parameters, Func<SqliteDataReader, T> read)
    {
        using var connection = connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command, parameters);
        using var reader = command.ExecuteReader();
        var results = new List<T>();
        while (reader.Read()) results.Add(read(reader));
        return results;
    }

    public void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
