using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using Strata.Serving.Storage;

namespace Strata.Serving.Security;

/// <summary>
/// What a key store does, written once over ADO.NET so that SQLite and PostgreSQL behave alike: the same ids, the same
/// order, the same tenant filter, the same hash check. Subclasses supply connections, the schema, how times are
/// stored and which column records insertion order. Every call opens its own (pooled) connection, so one instance
/// serves concurrent requests.
/// </summary>
internal abstract class SqlApiKeyStore(StoreLocation location, TimeProvider time) : IApiKeyStore
{
    // Authentication writes last_used_at at most this often per key, so a busy server does not turn every request
    // into a write (and contend for the file lock with `strata keys` running beside it, or for rows with other replicas).
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private const string Columns = "id, tenant, name, prefix, created_at, revoked_at, last_used_at";

    public StoreLocation Location { get; } = location;

    /// <summary>
    /// The column that orders keys created within one clock tick (timestamps tie, and ids are random): it must grow
    /// with every insert, which SQLite's rowid does in a table that never deletes rows, and an identity column does.
    /// </summary>
    protected abstract string InsertionOrder { get; }

    protected abstract DbConnection Connect();

    /// <summary>A time as the database stores it; always whole milliseconds in UTC (see <see cref="Now"/>).</summary>
    protected abstract object ToDatabase(DateTimeOffset value);

    protected abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    public CreatedKey Create(string tenant, string? name)
    {
        TenantName.Validate(tenant);
        name = ValidateName(name);
        string key = ApiKeyHash.NewKey();
        var record = new ApiKeyRecord(NewId(), tenant, name, ApiKeyHash.DisplayPrefix(key), Now(), RevokedAt: null);
        using var connection = Connect();
        using var command = Command(connection, """
            INSERT INTO api_keys (id, tenant, name, prefix, hash, created_at)
            VALUES (@id, @tenant, @name, @prefix, @hash, @created)
            """,
            ("id", record.Id), ("tenant", record.Tenant), ("name", record.Name), ("prefix", record.Prefix),
            ("hash", ApiKeyHash.Hash(key)), ("created", ToDatabase(record.CreatedAt)));
        command.ExecuteNonQuery();
        return new CreatedKey(key, record);
    }

    public IReadOnlyList<ApiKeyRecord> List(string? tenant = null)
    {
        // No key belongs to a name Create refuses, and PostgreSQL rejects some such strings (a NUL) outright: answering
        // "none" without asking keeps the stores alike.
        if (tenant is not null && !TenantName.IsValid(tenant)) return [];
        using var connection = Connect();
        // Tenants are compared with '=', never LIKE: '_' and '.' are legal in tenant names and must not match others.
        string order = $" ORDER BY created_at, {InsertionOrder}";
        using var command = tenant is null
            ? Command(connection, $"SELECT {Columns} FROM api_keys{order}")
            : Command(connection, $"SELECT {Columns} FROM api_keys WHERE tenant = @tenant{order}", ("tenant", tenant));
        return ReadRecords(command).Select(r => r.Record).ToList();
    }

    public ApiKeyRecord? Find(string idOrPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPrefix);
        // Ids and prefixes are printable ASCII; a NUL, which PostgreSQL refuses in text, names no key in either store.
        if (idOrPrefix.Contains('\0')) return null;
        using var connection = Connect();
        using var command = Command(connection, $"SELECT {Columns} FROM api_keys WHERE id = @key OR prefix = @key", ("key", idOrPrefix.Trim()));
        var found = ReadRecords(command).Select(r => r.Record).ToList();
        if (found.Count > 1)
        {
            throw new ArgumentException($"'{idOrPrefix}' is the prefix of {found.Count} keys ({string.Join(", ", found.Select(r => r.Id))}); name one by its id.", nameof(idOrPrefix));
        }
        return found.FirstOrDefault();
    }

    public bool Revoke(string idOrPrefix)
    {
        if (Find(idOrPrefix) is not { } record) return false;
        using var connection = Connect();
        using var command = Command(connection, "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
            ("now", ToDatabase(Now())), ("id", record.Id));
        command.ExecuteNonQuery();
        return true;
    }

    public bool HasAnyKeys()
    {
        using var connection = Connect();
        using var command = Command(connection, "SELECT EXISTS (SELECT 1 FROM api_keys)");
        // SQLite answers 0 or 1, PostgreSQL a boolean.
        return Convert.ToBoolean(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public ApiKeyRecord? Authenticate(string presentedKey)
    {
        ArgumentNullException.ThrowIfNull(presentedKey);
        if (!ApiKeyHash.HasStoreShape(presentedKey)) return null;
        byte[] presented = ApiKeyHash.Hash(presentedKey);
        using var connection = Connect();
        // The prefix is not secret and only narrows the candidates; the decision is the constant-time hash comparison.
        using var command = Command(connection, $"SELECT {Columns}, hash FROM api_keys WHERE prefix = @prefix", ("prefix", ApiKeyHash.DisplayPrefix(presentedKey)));
        ApiKeyRecord? match = null;
        foreach (var (record, hash) in ReadRecords(command))
        {
            if (ApiKeyHash.Matches(presented, hash!) && !record.IsRevoked) match = record;
        }
        if (match is not null) match = NoteUse(connection, match);
        return match;
    }

    private ApiKeyRecord NoteUse(DbConnection connection, ApiKeyRecord record)
    {
        var now = Now();
        if (record.LastUsedAt is { } last && now - last < LastUsedResolution) return record;
        try
        {
            using var command = Command(connection, "UPDATE api_keys SET last_used_at = @now WHERE id = @id", ("now", ToDatabase(now)), ("id", record.Id));
            command.ExecuteNonQuery();
            return record with { LastUsedAt = now };
        }
        catch (DbException)
        {
            // Bookkeeping only (a read-only file or standby, a long-held lock): the key is still valid, so the request goes on.
            return record;
        }
    }

    private IEnumerable<(ApiKeyRecord Record, byte[]? Hash)> ReadRecords(DbCommand command)
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
                ReadTime(reader, 4),
                reader.IsDBNull(5) ? null : ReadTime(reader, 5))
            {
                LastUsedAt = reader.IsDBNull(6) ? null : ReadTime(reader, 6),
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
        // Millisecond precision: what both stores round-trip exactly, so records read back equal records returned.
        long ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    /// <summary>A command with <c>@name</c> parameters (a syntax SQLite and PostgreSQL's Npgsql both read); null values become SQL NULL.</summary>
    protected static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        SqlCommands.Create(connection, sql, parameters);

    public abstract void Dispose();
}
