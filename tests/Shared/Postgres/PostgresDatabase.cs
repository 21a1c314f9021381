using System.Text;
using Npgsql;

namespace Strata.Tests.Support;

/// <summary>
/// A fresh database for one test class (use as <c>IClassFixture&lt;PostgresDatabase&gt;</c>), dropped afterwards, and
/// fresh schemas inside it so that every test starts from nothing.
/// </summary>
public sealed class PostgresDatabase : IDisposable
{
    public PostgresDatabase()
    {
        Name = "strata_test_" + Guid.NewGuid().ToString("N");
        Execute(PostgresCluster.AdminConnectionString, $"CREATE DATABASE {Name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresCluster.AdminConnectionString) { Database = Name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>Npgsql connection string of the database.</summary>
    public string ConnectionString { get; }

    /// <summary>A new, empty schema in the database; the returned connection string puts it first on the search path.</summary>
    public string NewSchema()
    {
        string schema = "s_" + Guid.NewGuid().ToString("N");
        Execute(ConnectionString, $"CREATE SCHEMA {schema}");
        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ConnectionString;
    }

    /// <summary>
    /// <paramref name="connectionString"/> as the <c>postgres://</c> URL an operator would pass to <c>--store</c>: written
    /// here independently of Strata's parser, which tests read it back with. A search path travels as libpq's <c>options</c>.
    /// </summary>
    public static string ToUrl(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var url = new StringBuilder("postgres://").Append(Uri.EscapeDataString(b.Username ?? ""));
        if (!string.IsNullOrEmpty(b.Password)) url.Append(':').Append(Uri.EscapeDataString(b.Password));
        bool socket = b.Host!.StartsWith('/');
        url.Append('@').Append(socket ? "" : $"{b.Host}:{b.Port}").Append('/').Append(Uri.EscapeDataString(b.Database ?? ""));
        var query = new List<string>();
        if (socket) query.Add("host=" + Uri.EscapeDataString(b.Host));
        if (socket && b.Port != NpgsqlConnection.DefaultPort) query.Add("port=" + b.Port);
        if (!string.IsNullOrEmpty(b.SearchPath)) query.Add("options=" + Uri.EscapeDataString($"-c search_path={b.SearchPath}"));
        return query.Count == 0 ? url.ToString() : url + "?" + string.Join('&', query);
    }

    public static void Execute(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public static object? Scalar(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        // The stores' pools still hold connections to the database; FORCE ends them, clearing the pools forgets them.
        NpgsqlConnection.ClearAllPools();
        Execute(PostgresCluster.AdminConnectionString, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}
