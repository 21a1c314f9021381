using Strata.Models.Native;

namespace Strata.Models.Inference;

/// <summary>Load-time options of a backend (per-request sampling options are separate: <see cref="Generation.SamplingOptions"/>).</summary>
public sealed record InferenceOptions
{
    /// <summary>Which runtime runs the model.</summary>
    public BackendKind Backend { get; init; } = BackendKind.Auto;

    /// <summary>Threads of the native runtime, the caller's included (default: every core).</summary>
    public int? Threads { get; init; }

    /// <summary>Storage of the native runtime's K/V cache.</summary>
    public KvCacheType KvCache { get; init; } = KvCacheType.F32;
}
