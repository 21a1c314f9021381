using System.Security.Cryptography;
using System.Text;

namespace Strata.Serving.Security;

/// <summary>
/// How keys are generated, hashed and compared. Keys carry 192 random bits, so a plain SHA-256 is enough to make a stolen
/// store useless (nobody can search that space), which is what GitHub and Stripe do; slow password hashes such as
/// PBKDF2 or Argon2 only help with guessable secrets and would cost milliseconds on every request.
/// </summary>
internal static class ApiKeyHash
{
    public const string KeyPrefix = "sk-strata-";
    public const int RandomLength = 32;
    public const int KeyLength = 42; // KeyPrefix.Length + RandomLength

    // The fixed "sk-strata-" is 10 characters, so the ~12 characters usual elsewhere would leave only 2 random ones,
    // too few to tell keys apart in a listing; 6 random characters (36 bits) tell them apart and leave 156 bits secret.
    public const int DisplayPrefixLength = 16;

    private const string UrlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>A fresh key; <see cref="RandomNumberGenerator.GetString"/> picks each character uniformly, without modulo bias.</summary>
    public static string NewKey() => KeyPrefix + RandomNumberGenerator.GetString(UrlSafe, RandomLength);

    /// <summary>Whether <paramref name="key"/> has the shape of a store-issued key; anything else cannot be in the store.</summary>
    public static bool HasStoreShape(string key) =>
        key.Length == KeyLength && key.StartsWith(KeyPrefix, StringComparison.Ordinal) && key.AsSpan(KeyPrefix.Length).IndexOfAnyExcept(UrlSafe) < 0;

    public static string DisplayPrefix(string key) => key[..Math.Min(DisplayPrefixLength, key.Length)];

    /// <summary>SHA-256 of the key's UTF-8 bytes (32 bytes).</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// Constant-time comparison: an early-exit comparison would tell an attacker, through response times, how many
    /// leading bytes of a stored hash their guess got right.
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> presentedHash, ReadOnlySpan<byte> storedHash) =>
        CryptographicOperations.FixedTimeEquals(presentedHash, storedHash);
}
