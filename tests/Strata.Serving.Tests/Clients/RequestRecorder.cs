using System.ClientModel.Primitives;

namespace Strata.Serving.Tests.Clients;

/// <summary>
/// A pipeline policy for the OpenAI SDK that keeps the body of the last request it sent, so a test can check what
/// the SDK asked for (e.g. base64 embeddings, stream usage) and not only what it made of the answer.
/// </summary>
public sealed class RequestRecorder : RequestPolicy
{
    private string last = "";

    /// <summary>The last request body, as text ("" for a request without one).</summary>
    public string Last => Volatile.Read(ref last);

    protected override void OnRequest(PipelineMessage message)
    {
        using var body = new MemoryStream();
        message.Request.Content?.WriteTo(body);
        Volatile.Write(ref last, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }
}
