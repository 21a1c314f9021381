using Strata.Serving.Arena;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Support;

/// <summary>
/// A real Strata server like <see cref="RunningServer"/> with a second tiny chat model (other weights) and a SQLite
/// store, so the arena has two models to pit against each other. Without keys: every caller is tenant <c>default</c>.
/// Answers are short (<see cref="MaxTokens"/>) so that turns take a moment on two cores.
/// </summary>
public class ArenaServer : RunningServer
{
    public const string SecondModel = "tiny-chat-b";
    public const int MaxTokens = 12;

    public static IReadOnlyList<string> ModelNames => [ModelName, SecondModel];

    /// <summary>The server's store (<c>--store</c>), for tests that open it beside the server.</summary>
    public StoreLocation Store { get; private set; } = null!;

    /// <summary>The arena's settings; subclasses change them.</summary>
    protected virtual ArenaOptions Arena => new() { MaxTokens = MaxTokens };

    /// <summary>Where the store lives: a SQLite file in the server's temporary <paramref name="directory"/>.</summary>
    protected virtual StoreLocation CreateStore(string directory) => new StoreLocation.Sqlite(Path.Combine(directory, "strata.db"));

    /// <summary>Called with the store before the server opens it (to create keys, say).</summary>
    protected virtual void Prepare(StoreLocation store)
    {
    }

    protected override ServerOptions CreateOptions()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        Store = CreateStore(directory);
        Prepare(Store);
        var options = base.CreateOptions();
        string second = TinyModels.Create(Path.Combine(directory, SecondModel), seed: 4);
        return options with { Models = [.. options.Models, new ModelSource(second, SecondModel)], Store = Store, Arena = Arena };
    }
}

/// <summary>An <see cref="ArenaServer"/> with API keys for two tenants, <c>acme</c> and <c>globex</c>, and greedy decoding.</summary>
public class KeyedArenaServer : ArenaServer
{
    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    // Greedy, so a test can replay a side's conversation through /v1/chat/completions and get the same answer.
    protected override ArenaOptions Arena => base.Arena with { Temperature = 0 };

    protected override void Prepare(StoreLocation store)
    {
        using var keys = ApiKeyStores.Open(store);
        AcmeKey = keys.Create("acme", "tests").Key;
        GlobexKey = keys.Create("globex", "tests").Key;
    }
}

/// <summary>A <see cref="KeyedArenaServer"/> whose store is a fresh PostgreSQL database (<see cref="PostgresCluster"/>), dropped afterwards.</summary>
public sealed class PostgresArenaServer : KeyedArenaServer
{
    private readonly PostgresDatabase database = new();

    protected override StoreLocation CreateStore(string directory) => StoreLocation.Parse(database.NewSchema());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        database.Dispose();
    }
}
