using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Support;

/// <summary>A <see cref="DocumentServer"/> whose documents live in a fresh PostgreSQL database (<see cref="PostgresCluster"/>), dropped afterwards.</summary>
public sealed class PostgresDocumentServer : DocumentServer
{
    private readonly PostgresDatabase database = new();

    public PostgresDocumentServer() => Documents = StoreLocation.Parse(database.NewSchema());

    /// <summary>The server's document database, for tests that open a second store on it (another replica, <c>strata docs</c>).</summary>
    public StoreLocation Documents { get; }

    protected override StoreLocation DocumentsLocation(string directory) => Documents;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        database.Dispose();
    }
}
