using System.Security.Cryptography;
using Strata.Serving.Security;

namespace Strata.Serving.Tests.Keys;

/// <summary>How keys are compared, in every store.</summary>
public sealed class ApiKeyHashTests
{
    [Fact]
    public void HashesAreComparedInConstantTime()
    {
        // Behaviour cannot show timing, so this pins the implementation: the one comparison of hashes goes through
        // CryptographicOperations.FixedTimeEquals, and the stores and authenticator compare only through it.
        string security = Path.Combine(TestPaths.RepositoryRoot, "src", "Strata.Serving", "Security");
        string hash = File.ReadAllText(Path.Combine(security, "ApiKeyHash.cs"));
        Assert.Contains("CryptographicOperations.FixedTimeEquals(presentedHash, storedHash)", hash);
        foreach (string file in new[] { "SqlApiKeyStore.cs", "ApiKeyAuthenticator.cs" })
        {
            Assert.Contains("ApiKeyHash.Matches(presented,", File.ReadAllText(Path.Combine(security, file)));
        }
        foreach (string file in Directory.GetFiles(security, "*.cs"))
        {
            string source = File.ReadAllText(file);
            Assert.DoesNotContain("SequenceEqual", source);
            Assert.DoesNotContain("WHERE hash", source); // no lookup by hash, which would compare inside the database
        }

        byte[] a = SHA256.HashData("a"u8);
        Assert.True(ApiKeyHash.Matches(a, a.ToArray()));
        Assert.False(ApiKeyHash.Matches(a, SHA256.HashData("b"u8)));
        Assert.False(ApiKeyHash.Matches(a, a.AsSpan(0, 31)));
    }
}
