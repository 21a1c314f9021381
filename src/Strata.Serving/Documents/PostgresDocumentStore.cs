using Npgsql;
using NpgsqlTypes;
using Strata.Models.Inference;
using Strata.Serving.Storage;

namespace Strata.Serving.Documents;

/// <summary>
/// Documents in a PostgreSQL database, shared by several server replicas and <c>strata docs --documents postgres://…</c>.
/// Full-text search goes through a generated <c>tsvector</c> column (the <c>english</c> configuration: Snowball
/// stemming, stop words dropped) with a GIN index, ranked by <c>ts_rank</c> (matching lexemes' frequency, divided by 1 +
/// the log of the chunk's length) — which orders results differently from SQLite's BM25, having no term rarity (IDF) and
/// no saturation of repeated terms. Not <c>ts_rank_cd</c>: cover density rewards chunks where the query's words stand
/// close together, which an OR of a question's words rarely has, and it halved recall@5 on the retrieval benchmark
/// (docs/performance.md). Chunk vectors are <c>real[]</c>, searched exactly in this process
/// (<see cref="VectorSearch"/>) and cached per tenant and embedder until the tenant's generation row, bumped in every
/// add's and delete's transaction by any replica, changes; so each replica sees the others' writes on its next search.
/// Every statement filters by tenant.
/// </summary>
/// <remarks>
/// Why <c>real[]</c> and not <c>bytea</c>: the column is typed (a DBA can read and check it in SQL, and no byte order is
/// assumed), it costs the same 4 bytes a dimension (plus a 24-byte array header), and it is what pgvector converts from. Where the pgvector extension
/// is installed, approximate search would slot in as a <c>vector(n)</c> column filled by
/// <c>ALTER TABLE chunks ADD COLUMN embedding vector(384)</c> and <c>UPDATE chunks SET embedding = vector::vector</c>, an
/// HNSW index (<c>CREATE INDEX ON chunks USING hnsw (embedding vector_ip_ops)</c>, inner product since vectors are unit
/// length), and <see cref="SearchVectors"/> becoming <c>ORDER BY embedding &lt;#&gt; @query LIMIT @limit</c> with the
/// tenant filter (iterative index scans keep a selective filter from starving the result). One width per column, so one
/// column per embedder. Debian ships no pgvector package, so exact search is what works everywhere and stays the default.
/// </remarks>
public sealed class PostgresDocumentStore : IDocumentStore
{
    private const int SchemaVersion = 1;

    // This store's row in strata_schema, beside the key store's 'api_keys' when both share a database.
    private const string Component = "documents";

    // The text search configuration, a constant so that the generated column is immutable and queries match it.
    private const string Language = "english";

    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider time;
    private readonly VectorCache cache = new();

    private PostgresDocumentStore(StoreLocation.Postgres location, TimeProvider time)
    {
        Location = location;
        this.time = time;
        dataSource = location.CreateDataSource();
    }

    public StoreLocation.Postgres Location { get; }

    public string Description => $"PostgreSQL {Location}";

    /// <summary>Connects, and creates or checks the tables; the database must exist.</summary>
    /// <exception cref="IOException">The server cannot be reached, refuses the login, or has no such database.</exception>
    /// <exception cref="InvalidDataException">The tables were written by a newer Strata.</exception>
    public static PostgresDocumentStore Open(StoreLocation.Postgres location, TimeProvider? time = null)
    {
        return PostgresSchema.Ready(new PostgresDocumentStore(location, time ?? TimeProvider.System), location, "document store",
            s => PostgresSchema.Ensure(s.dataSource, location, Component, SchemaVersion, "document store", Schema));
    }

    private const string Schema = $"""
        CREATE TABLE IF NOT EXISTS documents (
            id          text PRIMARY KEY,
            tenant      text NOT NULL,
            name        text NOT NULL,
            media_type  text NOT NULL,
            text        text NOT NULL,
            characters  integer NOT NULL,
            chunks      integer NOT NULL,
            embedder    text,
            created_at  timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS documents_tenant ON documents (tenant, created_at);
        CREATE TABLE IF NOT EXISTS chunks (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            document_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            tenant      text NOT NULL,
            idx         integer NOT NULL,
            span_start  integer NOT NULL,
            span_end    integer NOT NULL,
            text        text NOT NULL,
            heading     text,
            embedder    text,
            vector      real[],
            words       tsvector GENERATED ALWAYS AS (to_tsvector('{Language}', text)) STORED
        );
        CREATE INDEX IF NOT EXISTS chunks_document ON chunks (document_id);
        CREATE INDEX IF NOT EXISTS chunks_tenant_embedder ON chunks (tenant, embedder);
        CREATE INDEX IF NOT EXISTS chunks_words ON chunks USING gin (words);
        CREATE TABLE IF NOT EXISTS tenant_generations (tenant text PRIMARY KEY, generation bigint NOT NULL);
        """;

    public StoredDocument Add(string tenant, string name, string mediaType, string text, IReadOnlyList<NewChunk> chunks, string? embedder)
    {
        if (tenant.Contains('\0')) throw new ArgumentException("a tenant name holds no NUL character", nameof(tenant));
        var document = NewDocuments.Prepare(tenant, Storable(name), Storable(mediaType), text, chunks, embedder is null ? null : Storable(embedder), time);
        using var connection = dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, """
            INSERT INTO documents (id, tenant, name, media_type, text, characters, chunks, embedder, created_at)
            VALUES (@id, @tenant, @name, @media, @text, @characters, @chunks, @embedder, @created)
            """,
            ("id", document.Id), ("tenant", tenant), ("name", document.Name), ("media", document.MediaType), ("text", Storable(text)),
            ("characters", document.Characters), ("chunks", document.Chunks), ("embedder", document.Embedder), ("created", document.CreatedAt));
        // Binary COPY: one round trip for all the chunks however many there are; identities follow the row order.
        using (var copy = connection.BeginBinaryImport("COPY chunks (document_id, tenant, idx, span_start, span_end, text, heading, embedder, vector) FROM STDIN (FORMAT BINARY)"))
        {
            for (int i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                copy.StartRow();
                copy.Write(document.Id, NpgsqlDbType.Text);
                copy.Write(tenant, NpgsqlDbType.Text);
                copy.Write(i, NpgsqlDbType.Integer);
                copy.Write(chunk.Start, NpgsqlDbType.Integer);
                copy.Write(chunk.End, NpgsqlDbType.Integer);
                copy.Write(Storable(chunk.Text), NpgsqlDbType.Text);
                WriteOrNull(copy, chunk.Heading is null ? null : Storable(chunk.Heading), NpgsqlDbType.Text);
                WriteOrNull(copy, document.Embedder, NpgsqlDbType.Text);
                WriteOrNull(copy, chunk.Vector is null ? null : Pooling.Normalised(chunk.Vector), NpgsqlDbType.Array | NpgsqlDbType.Real);
            }
            copy.Complete();
        }
        BumpGeneration(connection, tenant);
        transaction.Commit();
        return document;
    }

    public IReadOnlyList<StoredDocument> List(string tenant, int limit = 100, int offset = 0) => !Storable(tenant, "") ? [] :
        Query($"SELECT {DocumentColumns} FROM documents WHERE tenant = @tenant ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset",
            [("tenant", tenant), ("limit", limit), ("offset", offset)], ReadDocument);

    public StoredDocument? Find(string tenant, string id) => !Storable(tenant, id) ? null :
        Query($"SELECT {DocumentColumns} FROM documents WHERE tenant = @tenant AND id = @id", [("tenant", tenant), ("id", id)], ReadDocument).FirstOrDefault();

    public string? Text(string tenant, string id) => !Storable(tenant, id) ? null :
        Query("SELECT text FROM documents WHERE tenant = @tenant AND id = @id", [("tenant", tenant), ("id", id)], r => r.GetString(0)).FirstOrDefault();

    public bool Delete(string tenant, string id)
    {
        if (!Storable(tenant, id)) return false;
        using var connection = dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        // Chunks by tenant explicitly, although the foreign key cascades: no statement here trusts a join to filter.
        Execute(connection, "DELETE FROM chunks WHERE tenant = @tenant AND document_id = @id", ("tenant", tenant), ("id", id));
        bool deleted = Execute(connection, "DELETE FROM documents WHERE tenant = @tenant AND id = @id", ("tenant", tenant), ("id", id)) > 0;
        if (deleted) BumpGeneration(connection, tenant);
        transaction.Commit();
        return deleted;
    }

    public IReadOnlyList<ChunkHit> SearchText(string tenant, string query, int limit)
    {
        string match = TsQuery(query);
        if (match.Length == 0 || limit <= 0 || !Storable(tenant, "")) return [];
        // Normalisation 1 divides by 1 + log(length), so long chunks do not win by length alone (BM25 normalises too).
        return Query($"""
            SELECT c.document_id, d.name, c.idx, c.span_start, c.span_end, c.text, c.heading, ts_rank(c.words, q, 1) AS score
            FROM to_tsquery('{Language}', @match) q, chunks c JOIN documents d ON d.id = c.document_id AND d.tenant = @tenant
            WHERE c.tenant = @tenant AND c.words @@ q
            ORDER BY score DESC, c.id LIMIT @limit
            """, [("match", match), ("tenant", tenant), ("limit", limit)], ReadHit);
    }

    /// <summary>
    /// The query's words (<see cref="QueryWords"/>) as tsquery text: each a quoted lexeme, any of them matching. The
    /// words are letters and digits only, so no quote, backslash or operator of tsquery's syntax (<c>&amp; | ! &lt;-&gt; :*</c>)
    /// can come from the user; <c>to_tsquery</c> stems each word and drops stop words as the indexed text's were.
    /// </summary>
    internal static string TsQuery(string query) => string.Join(" | ", QueryWords.Of(query).Select(w => $"'{w}'"));

    public IReadOnlyList<ChunkHit> SearchVectors(string tenant, float[] query, string embedder, int limit)
    {
        if (!Storable(tenant, embedder)) return [];
        var nearest = VectorCache.Nearest(Vectors(tenant, embedder), query, embedder, limit);
        if (nearest.Count == 0) return [];
        var hits = Query("""
            SELECT c.id, c.document_id, d.name, c.idx, c.span_start, c.span_end, c.text, c.heading
            FROM chunks c JOIN documents d ON d.id = c.document_id AND d.tenant = @tenant
            WHERE c.tenant = @tenant AND c.id = ANY(@rows)
            """, [("tenant", tenant), ("rows", nearest.Select(n => n.Row).ToArray())],
            r => (Row: r.GetInt64(0), Hit: new ChunkHit(r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), 0)))
            .ToDictionary(h => h.Row, h => h.Hit);
        return VectorCache.InOrder(nearest, hits);
    }

    private VectorCache.Entry Vectors(string tenant, string embedder)
    {
        using var connection = dataSource.OpenConnection();
        using var command = Command(connection, "SELECT coalesce((SELECT generation FROM tenant_generations WHERE tenant = @tenant), 0)", ("tenant", tenant));
        long generation = (long)command.ExecuteScalar()!;
        // The vectors are read after the generation, on the same connection: under READ COMMITTED they are at least
        // as new as it, so a write racing this read only costs one more read on the next search.
        return cache.Get(tenant, embedder, generation, () => ReadVectors(connection, tenant, embedder));
    }

    private static IEnumerable<(long Row, float[] Vector)> ReadVectors(NpgsqlConnection connection, string tenant, string embedder)
    {
        using var command = Command(connection, "SELECT id, vector FROM chunks WHERE tenant = @tenant AND embedder = @embedder AND vector IS NOT NULL ORDER BY id",
            ("tenant", tenant), ("embedder", embedder));
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (reader.GetInt64(0), reader.GetFieldValue<float[]>(1));
    }

    // In the writing transaction: the row lock orders concurrent writers of one tenant, and readers on any replica see
    // the new generation exactly when they can see the rows it stands for.
    private static void BumpGeneration(NpgsqlConnection connection, string tenant) =>
        Execute(connection, """
            INSERT INTO tenant_generations (tenant, generation) VALUES (@tenant, 1)
            ON CONFLICT (tenant) DO UPDATE SET generation = tenant_generations.generation + 1
            """, ("tenant", tenant));

    /// <summary>
    /// Text as PostgreSQL can hold it: its <c>text</c> type refuses NUL, which a PDF's unmapped glyphs can produce. Each
    /// becomes U+FFFD, one UTF-16 unit for one, so every span into the text still points at the same characters.
    /// </summary>
    private static string Storable(string text) => text.Replace('\0', '\uFFFD');

    // A tenant, id or embedder name with a NUL names nothing stored (PostgreSQL would refuse the parameter outright).
    private static bool Storable(string tenant, string other) => !tenant.Contains('\0') && !other.Contains('\0');

    private const string DocumentColumns = "id, tenant, name, media_type, characters, chunks, embedder, created_at";

    private static StoredDocument ReadDocument(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.GetFieldValue<DateTimeOffset>(7));

    private static ChunkHit ReadHit(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetFloat(7));

    private static void WriteOrNull<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type) where T : class
    {
        if (value is null) copy.WriteNull();
        else copy.Write(value, type);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static int Execute(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private List<T> Query<T>(string sql, (string Name, object? Value)[] parameters, Func<NpgsqlDataReader, T> read)
    {
        using var connection = dataSource.OpenConnection();
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var results = new List<T>();
        while (reader.Read()) results.Add(read(reader));
        return results;
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose() => dataSource.Dispose();
}
