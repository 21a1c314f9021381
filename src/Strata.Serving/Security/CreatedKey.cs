namespace Strata.Serving.Security;

/// <summary>A newly created API key: the only moment its plaintext exists, since the store keeps just a hash.</summary>
/// <param name="Key">The secret, <c>sk-strata-</c> followed by 32 random URL-safe characters.</param>
public sealed record CreatedKey(string Key, ApiKeyRecord Record)
{
    // Records print every property; a key that ends up in a log line or an assertion message would leak.
    public override string ToString() => $"CreatedKey {{ Record = {Record}, Key = {Record.Prefix}… (redacted) }}";
}
