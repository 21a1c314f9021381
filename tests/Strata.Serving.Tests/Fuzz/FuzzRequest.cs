namespace Strata.Serving.Tests.Fuzz;

/// <summary>How the fuzzer's client treats the response.</summary>
public enum FuzzEnding
{
    /// <summary>Read the whole response and check it.</summary>
    ReadAll,

    /// <summary>Read the first bytes of the response, then drop the connection (a client closing a stream early).</summary>
    CloseAfterFirstBytes,

    /// <summary>Cancel the request after a few milliseconds, often before the response starts.</summary>
    CancelSoon,
}

/// <summary>One generated request: what is sent, and a description of how it was made for failure messages.</summary>
/// <param name="ContentType">Null sends no Content-Type header.</param>
public sealed record FuzzRequest(string Kind, HttpMethod Method, string Path, byte[]? Body, string? ContentType, FuzzEnding Ending = FuzzEnding.ReadAll)
{
    public override string ToString()
    {
        string body = Body is null ? "(no body)" : Body.Length > 300
            ? $"{Body.Length} bytes: {System.Text.Encoding.UTF8.GetString(Body, 0, 300)}…"
            : System.Text.Encoding.UTF8.GetString(Body);
        return $"[{Kind}] {Method} {Path} ({ContentType ?? "no content-type"}, {Ending}) {body}";
    }
}
