using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Strata.Serving.Security;

/// <summary>
/// API keys and their tenants in a SQLite file (<c>~/.strata/keys.db</c> by default), shared by the server, which
/// authenticates with it, and <c>strata keys</c>, which edits it, possibly while the server runs. Only SHA-256 hashes
/// of keys are stored. Every call opens its own (pooled) connection, so one instance serves concurrent requests.
/// </summary>
public sealed class SqlApiKeyStore : IDisposable
{
    private const int SchemaVersion = 1;
    private const int SqliteNotADatabase = 26;

    // Authentication writes last_used_at at most this often per key, so a busy server does not turn every request
    // into a write (and contend for the file lock with `strata keys` running beside it).
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly string connectionString;
    private readonly TimeProvider time;

    private SqlApiKeyStore(string path, TimeProvider time)
    {
        Path = path;
        this.time = time;
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
    }

    /// <summary>Full path of the SQLite file.</summary>
    public string Path { get; }

    /// <summary><c>$STRATA_HOME/keys.db</c> when <c>STRATA_HOME</c> is set, else <c>~/.strata/keys.db</c>.</summary>
    public static string DefaultPath =>
        DefaultPathFor(Environment.GetEnvironmentVariable("STRATA_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static string DefaultPathFor(string? strataHome, string userHome) =>
        string.IsNullOrWhiteSpace(strataHome)
            ? System.IO.Path.Combine(userHome, ".strata", "keys.db")
            : System.IO.Path.Combine(strataHome, "keys.db");

    /// <summary>Opens the store at <paramref name="path"/>, creating the file, its directory and the schema when missing.</summary>
    /// <exception cref="InvalidDataException">The file is not a SQLite database, or was written by a newer Strata.</exception>
    public static SqlApiKeyStore Open(string path) => Open(path, TimeProvider.System);

    internal static SqlApiKeyStore Open(string path, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        CreatePrivately(full);
        var store = new SqlApiKeyStore(full, time);
        try
        {
            store.EnsureSchema();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteNotADatabase)
        {
            store.Dispose();
            throw new InvalidDataException($"{full}: not a Strata key store ({e.Message})", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>
    /// On Unix, creates the directory and the empty database file readable by their owner only before SQLite touches
    /// them: the file holds no secrets, but tenant names and key ids are nobody else's business.
    /// </summary>
    private static void CreatePrivately(string full)
    {
        string directory = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (File.Exists(full) || OperatingSystem.IsWindows()) return;
        try
        {
            // An empty file is a valid, empty SQLite database.
            using var _ = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(full))
        {
            // Another process created it first; theirs is as good as ours.
        }
    }

    private void EnsureSchema()
    {
        using var connection = Connect();
        long version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidDataException($"{Path}: key store schema {version} was written by a newer Strata (this one reads {SchemaVersion})");
        }
        if (version == SchemaVersion) return;
        // WAL lets the server keep authenticating while `strata keys` writes; the setting persists in the file.
        Scalar(connection, "PRAGMA journal_mode = WAL");
        using var transaction = connection.BeginTransaction();
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS api_keys (
                id           TEXT PRIMARY KEY,
                tenant       TEXT NOT NULL,
                name         TEXT,
                prefix       TEXT NOT NULL,
                hash         BLOB NOT NULL,
                created_at   TEXT NOT NULL,
                revoked_at   TEXT,
                last_used_at TEXT
            );
            CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (prefix);
            CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant);
            """);
        Execute(connection, $"PRAGMA user_version = {SchemaVersion}");
        transaction.Commit();
    }

    /// <summary>Creates a key for <paramref name="tenant"/>. The returned plaintext is never stored and cannot be recovered later.</summary>
    /// <exception cref="ArgumentException">Invalid tenant (see <see cref="TenantName.Validate"/>) or name.</exception>
    public CreatedKey Create(string tenant, string? name)
    {
        TenantName.Validate(tenant);
        name = ValidateName(name);
        string key = ApiKeyHash.NewKey();
        var record = new ApiKeyRecord(NewId(), tenant, name, ApiKeyHash.DisplayPrefix(key), Now(), RevokedAt: null);
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO api_keys (id, tenant, name, prefix, hash, created_at)
            VALUES ($id, $tenant, $name, $prefix, $hash, $created)
            """;
        command.Parameters.AddWithValue("$id", record.Id);
        command.Parameters.AddWithValue("$tenant", record.Tenant);
        command.Parameters.AddWithValue("$name", (object?)record.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$prefix", record.Prefix);
        command.Parameters.AddWithValue("$hash", ApiKeyHash.Hash(key));
        command.Parameters.AddWithValue("$created", Format(record.CreatedAt));
        command.ExecuteNonQuery();
        return new CreatedKey(key, record);
    }

    /// <summary>
    /// Every key, revoked ones included, oldest first (keys created within the same millisecond in the order they
    /// were created); only <paramref name="tenant"/>'s when given.
    /// </summary>
    public IReadOnlyList<ApiKeyRecord> List(string? tenant = null)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        // Timestamps tie within a clock tick, and ids are random, so the tie-break is the rowid: SQLite hands out
        // max(rowid) + 1 on each insert, and this store never deletes rows, so rowid order is insertion order.
        command.CommandText = $"SELECT {Columns} FROM api_keys" + (tenant is null ? "" : " WHERE tenant = $tenant") + " ORDER BY created_at, rowid";
        if (tenant is not null) command.Parameters.AddWithValue("$tenant", tenant);
        return ReadRecords(command).Select(r => r.Record).ToList();
    }

    /// <summary>The key whose id or display prefix is <paramref name="idOrPrefix"/>, or null when none is.</summary>
    /// <exception cref="ArgumentException">The prefix is shared by several keys (name the key by its id instead).</exception>
    public ApiKeyRecord? Find(string idOrPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPrefix);
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_keys WHERE id = $key OR prefix = $key";
        command.Parameters.AddWithValue("$key", idOrPrefix.Trim());
        var found = ReadRecords(command).Select(r => r.Record).ToList();
        if (found.Count > 1)
        {
            throw new ArgumentException($"'{idOrPrefix}' is the prefix of {found.Count} keys ({string.Join(", ", found.Select(r => r.Id))}); name one by its id.", nameof(idOrPrefix));
        }
        return found.FirstOrDefault();
    }

    /// <summary>
    /// Revokes the key named by id or display prefix. Returns false when no key matches; true when the key is revoked
    /// afterwards (revoking twice keeps the first revocation time). Takes effect on the server's next request.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is shared by several keys.</exception>
    public bool Revoke(string idOrPrefix)
    {
        if (Find(idOrPrefix) is not { } record) return false;
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET revoked_at = $now WHERE id = $id AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$now", Format(Now()));
        command.Parameters.AddWithValue("$id", record.Id);
        command.ExecuteNonQuery();
        return true;
    }

    /// <summary>Whether the store holds any key, revoked or not (see <see cref="ApiKeyAuthenticator.Required"/>).</summary>
    public bool HasAnyKeys()
    {
        using var connection = Connect();
        return Convert.ToInt64(Scalar(connection, "SELECT EXISTS (SELECT 1 FROM api_keys)"), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>The record of an active key equal to <paramref name="presentedKey"/>; null for unknown, malformed or revoked keys.</summary>
    public ApiKeyRecord? Authenticate(string presentedKey)
    {
        ArgumentNullException.ThrowIfNull(presentedKey);
        if (!ApiKeyHash.HasStoreShape(presentedKey)) return null;
        byte[] presented = ApiKeyHash.Hash(presentedKey);
        using var connection = Connect();
        using var command = connection.CreateCommand();
        // The prefix is not secret and only narrows the candidates; the decision is the constant-time hash comparison.
        command.CommandText = $"SELECT {Columns}, hash FROM api_keys WHERE prefix = $prefix";
        command.Parameters.AddWithValue("$prefix", ApiKeyHash.DisplayPrefix(presentedKey));
        ApiKeyRecord? match = null;
        foreach (var (record, hash) in ReadRecords(command))
        {
            if (ApiKeyHash.Matches(presented, hash!) && !record.IsRevoked) match = record;
        }
        if (match is not null) match = NoteUse(connection, match);
        return match;
    }

    private ApiKeyRecord NoteUse(SqliteConnection connection, ApiKeyRecord record)
    {
        var now = Now();
        if (record.LastUsedAt is { } last && now - last < LastUsedResolution) return record;
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE api_keys SET last_used_at = $now WHERE id = $id";
            command.Parameters.AddWithValue("$now", Format(now));
            command.Parameters.AddWithValue("$id", record.Id);
            command.ExecuteNonQuery();
            return record with { LastUsedAt = now };
        }
        catch (SqliteException)
        {
            // Bookkeeping only (a read-only file, a long-held lock): the key is still valid, so the request goes on.
            return record;
        }
    }

    private const string Columns = "id, tenant, name, prefix, created_at, revoked_at, last_used_at";

    private static IEnumerable<(ApiKeyRecord Record, byte[]? Hash)> ReadRecords(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        bool withHash = reader.FieldCount > 7;
        while (reader.Read())
        {
            var record = new ApiKeyRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : Parse(reader.GetString(5)))
            {
                LastUsedAt = reader.IsDBNull(6) ? null : Parse(reader.GetString(6)),
            };
            yield return (record, withHash ? (byte[])reader.GetValue(7) : null);
        }
    }

    private static string? ValidateName(string? name)
    {
        name = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (name is null) return null;
        if (name.Length > 128) throw new ArgumentException($"Key name is {name.Length} characters long; at most 128 are allowed.", nameof(name));
        // Names are printed in terminal tables; control characters could rewrite what the operator sees.
        if (name.Any(char.IsControl)) throw new ArgumentException("Key name must not contain control characters.", nameof(name));
        return name;
    }

    private static string NewId() => "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private DateTimeOffset Now()
    {
        // Millisecond precision: what the text format round-trips, so records read back equal records returned.
        long ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    // Fixed-width UTC text: readable in the sqlite3 shell and ordered correctly by string comparison.
    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Closes the pooled connections to the file, so it can be moved or deleted.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
