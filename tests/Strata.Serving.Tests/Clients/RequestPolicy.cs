using System.ClientModel.Primitives;

namespace Strata.Serving.Tests.Clients;

/// <summary>A pipeline policy for the OpenAI SDK that looks at (or changes) each request before it is sent.</summary>
public abstract class RequestPolicy : PipelinePolicy
{
    protected abstract void OnRequest(PipelineMessage message);

    public sealed override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        OnRequest(message);
        ProcessNext(message, pipeline, currentIndex);
    }

    public sealed override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        OnRequest(message);
        await ProcessNextAsync(message, pipeline, currentIndex);
    }
}
