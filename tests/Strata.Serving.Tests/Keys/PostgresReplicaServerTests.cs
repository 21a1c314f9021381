using System.Net;
using System.Net.Http.Headers;
using Strata.Serving.Hosting;
using Strata.Serving.Security;
using Strata.Serving.Storage;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Keys;

/// <summary>What PostgreSQL is for: two servers on one key database accept and refuse the same keys, at once.</summary>
public sealed class PostgresReplicaServerTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ReplicasShareKeysAndRevocations()
    {
        var store = StoreLocation.Parse(database.NewSchema());
        CreatedKey first;
        using (var keys = ApiKeyStores.Open(store)) first = keys.Create("acme", "before start");
        await using var a = await StartAsync(store);
        await using var b = await StartAsync(store);
        using var clientA = new HttpClient { BaseAddress = BaseAddress(a) };
        using var clientB = new HttpClient { BaseAddress = BaseAddress(b) };

        foreach (var client in new[] { clientA, clientB })
        {
            Assert.Equal(HttpStatusCode.OK, await ModelsStatus(client, first.Key));
            Assert.Equal(HttpStatusCode.Unauthorized, await ModelsStatus(client, key: null));
        }

        // Created through one replica's store, revoked through the other's: each change counts on both at once.
        var second = a.KeyStore!.Create("beta", "while running");
        Assert.Equal(HttpStatusCode.OK, await ModelsStatus(clientB, second.Key));
        Assert.True(b.KeyStore!.Revoke(first.Record.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, await ModelsStatus(clientA, first.Key));
        Assert.Equal(HttpStatusCode.Unauthorized, await ModelsStatus(clientB, first.Key));
        Assert.Equal(HttpStatusCode.OK, await ModelsStatus(clientA, second.Key));
    }

    [Fact]
    public async Task ALostKeyDatabaseRefusesRequestsRatherThanAdmittingThem()
    {
        string connectionString = database.NewSchema();
        var store = StoreLocation.Parse(connectionString);
        CreatedKey key;
        using (var keys = ApiKeyStores.Open(store)) key = keys.Create("acme", null);
        await using var server = await StartAsync(store);
        using var client = new HttpClient { BaseAddress = BaseAddress(server) };
        Assert.Equal(HttpStatusCode.OK, await ModelsStatus(client, key.Key));

        // The tables vanish under the running server (a failover to an empty database, a restore gone wrong).
        string schema = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).SearchPath!;
        PostgresDatabase.Execute(connectionString, $"DROP SCHEMA {schema} CASCADE");
        Assert.Equal(HttpStatusCode.InternalServerError, await ModelsStatus(client, key.Key));
        Assert.Equal(HttpStatusCode.Unauthorized, await ModelsStatus(client, key: null)); // keys were seen, so still required
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("health")).StatusCode); // open paths never ask the store
    }

    private static async Task<StrataServer> StartAsync(StoreLocation store)
    {
        var server = StrataServer.Create(RunningServer.DefaultOptions() with { Store = store });
        await server.StartAsync();
        await server.Loading;
        return server;
    }

    private static Uri BaseAddress(StrataServer server) => new(server.Addresses.First() + "/");

    private static async Task<HttpStatusCode> ModelsStatus(HttpClient client, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
