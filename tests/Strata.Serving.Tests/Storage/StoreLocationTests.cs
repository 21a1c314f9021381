using Npgsql;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Storage;

/// <summary><c>--store</c> values: file paths, PostgreSQL URLs and connection strings, and passwords kept out of every message.</summary>
public sealed class StoreLocationTests
{
    private static NpgsqlConnectionStringBuilder Postgres(string value) =>
        new(Assert.IsType<StoreLocation.Postgres>(StoreLocation.Parse(value)).ConnectionString);

    [Fact]
    public void FilePathsAreSqliteStores()
    {
        Assert.Equal(new StoreLocation.Sqlite("/srv/strata/keys.db"), StoreLocation.Parse("/srv/strata/keys.db"));
        Assert.Equal(Path.GetFullPath("keys.db"), Assert.IsType<StoreLocation.Sqlite>(StoreLocation.Parse(" keys.db ")).Path);
        // '=' in a file name is fine as long as what precedes it is no Npgsql keyword.
        Assert.IsType<StoreLocation.Sqlite>(StoreLocation.Parse("/tmp/run=3/keys.db"));
        Assert.IsType<StoreLocation.Sqlite>(StoreLocation.Parse("keys=1.db"));
        Assert.Equal("/srv/strata/keys.db", StoreLocation.Parse("/srv/strata/keys.db").ToString());
    }

    [Fact]
    public void DefaultPathFollowsStrataHome()
    {
        Assert.Equal(Path.Combine("/srv/strata", "keys.db"), StoreLocation.DefaultSqlitePathFor("/srv/strata", "/home/ann"));
        Assert.Equal(Path.Combine("/home/ann", ".strata", "keys.db"), StoreLocation.DefaultSqlitePathFor(null, "/home/ann"));
        Assert.Equal(Path.Combine("/home/ann", ".strata", "keys.db"), StoreLocation.DefaultSqlitePathFor("", "/home/ann"));
        Assert.EndsWith("keys.db", StoreLocation.DefaultSqlitePath);
    }

    [Fact]
    public void UrlsCarryEveryPart()
    {
        var b = Postgres("postgres://ann:s3cr%40t%2Fx@db.example.com:6543/strata?sslmode=verify-full&application_name=replica-1&connect_timeout=7");
        Assert.Equal("db.example.com", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("ann", b.Username);
        Assert.Equal("s3cr@t/x", b.Password);
        Assert.Equal("strata", b.Database);
        Assert.Equal(SslMode.VerifyFull, b.SslMode);
        Assert.Equal("replica-1", b.ApplicationName);
        Assert.Equal(7, b.Timeout);

        var plain = Postgres("postgresql://db/strata");
        Assert.Equal(("db", 5432, "strata"), (plain.Host, plain.Port, plain.Database));
        Assert.Null(plain.Username);
        Assert.Null(plain.Password);
        Assert.Equal("db", Postgres("POSTGRES://db/x").Host); // schemes are case-insensitive
    }

    [Fact]
    public void UnixSocketsAreNamedByDirectory()
    {
        var query = Postgres("postgres:///strata?host=/var/run/postgresql");
        Assert.Equal(("/var/run/postgresql", "strata"), (query.Host, query.Database));
        var encoded = Postgres("postgresql://ann@%2Fvar%2Frun%2Fpostgresql/strata");
        Assert.Equal(("/var/run/postgresql", "ann", "strata"), (encoded.Host, encoded.Username, encoded.Database));
        Assert.Equal("postgres://ann@/strata?host=/var/run/postgresql", StoreLocation.Parse("postgresql://ann@%2Fvar%2Frun%2Fpostgresql/strata").Description);
        Assert.Equal("postgres:///strata?host=/tmp/pg&port=5433", StoreLocation.Parse("postgres:///strata?host=/tmp/pg&port=5433").Description);
    }

    [Fact]
    public void HostListsIpv6AndNpgsqlKeywords()
    {
        var v6 = Postgres("postgres://[::1]:5433/db");
        Assert.Equal(("::1", 5433), (v6.Host, v6.Port));
        Assert.Equal("a,b:5433", Postgres("postgres://a,b:5433/db").Host); // a host without a port takes the default
        var list = Postgres("postgres://a:5432,b:5433/db?target_session_attrs=read-write");
        Assert.Equal("a:5432,b:5433", list.Host);
        Assert.Equal("read-write", list.TargetSessionAttributes);

        var keywords = Postgres("postgres://db/x?Maximum%20Pool%20Size=50&options=-c%20search_path%3Dstrata&Search%20Path=s1");
        Assert.Equal(50, keywords.MaxPoolSize);
        Assert.Equal("-c search_path=strata", keywords.Options);
        Assert.Equal("s1", keywords.SearchPath);
        Assert.Equal("hunter2", Postgres("postgres://ann@db/x?password=hunter2").Password); // libpq allows it here too
    }

    [Fact]
    public void ConnectionStringsAreRecognisedByTheirFirstKeyword()
    {
        var b = Postgres("Host=db.example.com;Port=6543;Database=strata;Username=ann;Password=hunter2");
        Assert.Equal(("db.example.com", 6543, "strata", "ann", "hunter2"), (b.Host, b.Port, b.Database, b.Username, b.Password));
        Assert.Equal("db", Postgres("server = db; database=x").Host);
        Assert.Equal("/var/run/postgresql", Postgres("Host=/var/run/postgresql;Database=strata").Host);
    }

    [Fact]
    public void DescriptionsHideThePassword()
    {
        var location = StoreLocation.Parse("postgres://ann:hunter2@db.example.com:6543/strata?sslmode=require&sslpassword=hunter3");
        Assert.Equal("postgres://ann@db.example.com:6543/strata", location.Description);
        Assert.Equal(location.Description, location.ToString());
        Assert.Equal(location.Description, $"{location}");
        Assert.Equal("postgres://ann@db.example.com:5432/strata", StoreLocation.Parse("Host=db.example.com;Database=strata;Username=ann;Password=hunter2").Description);
        Assert.Equal("postgres://[::1]:5432/x", StoreLocation.Parse("postgres://[::1]/x").Description);
        // The connection string itself keeps it: it is what connects.
        Assert.Contains("hunter2", ((StoreLocation.Postgres)location).ConnectionString);
    }

    [Theory]
    [InlineData("postgres://ann:hunter2@db:notaport/x", "port 'notaport'")]
    [InlineData("postgres://ann:hunter2@db:70000/x", "port '70000'")]
    [InlineData("postgres://ann:hunter2@db/x?bogus=1", "unknown URL parameter 'bogus'")]
    [InlineData("postgres://ann:hunter2@db/x?sslmode", "has no value")]
    [InlineData("postgres://ann:hunter2@db/x?sslmode=sometimes", "SSL Mode")]
    [InlineData("postgres://ann:hunter2@/x", "no host")]
    [InlineData("postgres://ann:hunter2@db/x/y", "just the database name")]
    [InlineData("postgres://ann:hunter2@db/x#top", "fragment")]
    [InlineData("postgres://ann:hunter2@[::1/x", "without closing")]
    [InlineData("postgres://ann:hun/ter2@db/x", "percent-encode")]     // an unencoded '/' in the password
    [InlineData("postgres://ann:hun?ter2@db/x", "percent-encode")]     // an unencoded '?'
    [InlineData("postgres://ann:hun@ter2@db/x?sslmode=x", "SSL Mode")] // an unencoded '@': the last one ends the user info
    [InlineData("mysql://ann:hunter2@db/x", "'mysql' is not a store scheme")]
    [InlineData("Host=db;Password=hunter2;Bogus=1", "bogus")]
    [InlineData("Host=db;Port=abc;Password=hunter2", "Port")]
    [InlineData("Database=x;Password=hunter2", "no host")]
    [InlineData("Host=db;Password=\"hunter2;x\";Frob=1", "frob")]
    public void BadValuesAreNamedWithTheirPasswordHidden(string value, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => StoreLocation.Parse(value));
        Assert.Contains(reason, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("Store '", e.Message);
        Assert.Contains("***", e.Message);
        foreach (string piece in new[] { "hunter2", "hun/ter2", "ter2", "hun?", "hun@" }) Assert.DoesNotContain(piece, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void BlankValuesAreRefused(string value) =>
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => StoreLocation.Parse(value)).Message);

    [Theory]
    [InlineData("postgres://ann:hunter2@db/x", "postgres://ann:***@db/x")]
    [InlineData("postgres://ann@db/x?password=hunter2&sslmode=require", "postgres://ann@db/x?password=***&sslmode=require")]
    [InlineData("postgres://ann@db/x?sslpassword=hunter2", "postgres://ann@db/x?sslpassword=***")]
    [InlineData("Host=db;Password=hunter2;Database=x", "Host=db;Password=***;Database=x")]
    [InlineData("Host=db; PWD = hunter2 ;Database=x", "Host=db; PWD = ***;Database=x")]
    [InlineData("Host=db;SSL Password='hunter2';Database=x", "Host=db;SSL Password=***;Database=x")]
    [InlineData("/srv/strata/keys.db", "/srv/strata/keys.db")]
    public void RedactionReplacesPasswordsOnly(string value, string expected) => Assert.Equal(expected, StoreLocation.Redact(value));
}
