using Strata.Models.Encoders;
using Strata.Serving.Api;

namespace Strata.Serving.Registry;

/// <summary>
/// A served encoder (embedding model or cross-encoder). Requests run one at a time on the thread pool, in arrival
/// order; at most <see cref="MaxWaiting"/> wait, and the next is refused with 429 rather than queued without bound.
/// </summary>
public sealed class ServedEncoder(string name, TextEncoder encoder) : IDisposable
{
    public const int MaxWaiting = 64;

    private readonly SemaphoreSlim turn = new(1, 1);
    private int waiting;

    /// <summary>The id clients put in <c>model</c>.</summary>
    public string Name { get; } = name;

    public TextEncoder Encoder { get; } = encoder;

    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;

    /// <exception cref="InvalidDataException">A file of the folder is missing or malformed.</exception>
    public static ServedEncoder Load(string path, string? name = null) =>
        new(name ?? Strata.Models.Loading.ModelPackage.NameOf(path), TextEncoder.Open(path));

    /// <summary>Runs <paramref name="work"/> on the encoder when its turn comes.</summary>
    /// <exception cref="ApiException">429 when <see cref="MaxWaiting"/> requests already wait.</exception>
    public async Task<T> RunAsync<T>(Func<TextEncoder, T> work, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref waiting) > MaxWaiting)
        {
            Interlocked.Decrement(ref waiting);
            throw new ApiException(429, $"model '{Name}' is busy; retry shortly", null, "rate_limit_exceeded") { RetryAfterSeconds = 1 };
        }
        try
        {
            await turn.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
        try
        {
            return await Task.Run(() => work(Encoder), cancellationToken);
        }
        finally
        {
            turn.Release();
        }
    }

    public void Dispose()
    {
        Encoder.Dispose();
        turn.Dispose();
    }
}
