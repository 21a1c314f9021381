using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Clients;

/// <summary><c>tests/tools/cohere-client.mjs</c> (Cohere's official TypeScript client) against a server with encoders beside the chat model.</summary>
public sealed class CohereClientRun : NodeClientRun<EncoderServer>
{
    protected override string Script(Uri server) =>
        $"cohere-client.mjs {server} {RunningServer.ModelName} {EncoderServer.Reranker} {EncoderServer.TinyEmbedder}";
}
