using System.Security.Cryptography;

namespace Strata.Serving.Playground;

/// <summary>One playground file as served: its bytes, content type and a strong ETag over the bytes.</summary>
public sealed record PlaygroundAsset(string Name, byte[] Content, string ContentType, string ETag)
{
    /// <summary>The content types the playground's files need; anything else is not part of it and is not served.</summary>
    public static readonly IReadOnlyDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    /// <summary>Reads the embedded resource <c>Strata.Serving.Playground.{name}</c> (the csproj sets these names).</summary>
    /// <exception cref="InvalidOperationException">The resource is missing from the assembly (a packaging mistake).</exception>
    public static PlaygroundAsset Load(string name)
    {
        string resource = PlaygroundEndpoints.ResourcePrefix + name;
        using var stream = ServingAssembly.Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing from {ServingAssembly.Assembly.GetName().Name}");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        byte[] content = buffer.ToArray();
        string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16)) + "\"";
        return new PlaygroundAsset(name, content, ContentTypes[Path.GetExtension(name)], etag);
    }
}
