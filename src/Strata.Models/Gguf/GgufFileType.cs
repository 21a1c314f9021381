using Strata.Models.Quantization;

namespace Strata.Models.Gguf;

/// <summary>
/// llama.cpp's <c>llama_ftype</c>, stored as <c>general.file_type</c>: what most of a file's tensors are. Only the
/// members Strata writes are named; a file may carry any other number.
/// </summary>
public enum GgufFileType : uint
{
    AllF32 = 0,
    MostlyF16 = 1,
    MostlyQ4_0 = 2,
    MostlyQ4_1 = 3,
    MostlyQ8_0 = 7,
    MostlyQ5_0 = 8,
    MostlyQ5_1 = 9,
    MostlyQ4_K_M = 15,
    MostlyQ5_K_M = 17,
    MostlyQ6_K = 18,
    MostlyBF16 = 32,
}

/// <summary>Names and default tensor types of <see cref="GgufFileType"/>s.</summary>
public static class GgufFileTypes
{
    private static readonly (string Name, GgufFileType Type, GgmlType Default)[] Known =
    [
        ("f32", GgufFileType.AllF32, GgmlType.F32),
        ("f16", GgufFileType.MostlyF16, GgmlType.F16),
        ("bf16", GgufFileType.MostlyBF16, GgmlType.BF16),
        ("q8_0", GgufFileType.MostlyQ8_0, GgmlType.Q8_0),
        ("q4_0", GgufFileType.MostlyQ4_0, GgmlType.Q4_0),
        ("q4_1", GgufFileType.MostlyQ4_1, GgmlType.Q4_1),
        ("q5_0", GgufFileType.MostlyQ5_0, GgmlType.Q5_0),
        ("q5_1", GgufFileType.MostlyQ5_1, GgmlType.Q5_1),
        ("q4_k_m", GgufFileType.MostlyQ4_K_M, GgmlType.Q4_K),
        ("q5_k_m", GgufFileType.MostlyQ5_K_M, GgmlType.Q5_K),
        ("q6_k", GgufFileType.MostlyQ6_K, GgmlType.Q6_K),
    ];

    /// <summary>The names <c>strata quantize --type</c> accepts, llama-quantize's in lower case.</summary>
    public static IReadOnlyList<string> Names { get; } = Known.Select(k => k.Name).ToArray();

    /// <summary>Parses a name such as <c>q4_k_m</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>; the message lists them.</exception>
    public static GgufFileType Parse(string name)
    {
        foreach (var known in Known)
            if (string.Equals(known.Name, name, StringComparison.OrdinalIgnoreCase)) return known.Type;
        throw new ArgumentException($"unknown quantization type '{name}' (supported: {string.Join(", ", Names)})", nameof(name));
    }

    /// <summary>The lower-case name, e.g. <c>q4_k_m</c>; <c>"file type N"</c> for others.</summary>
    public static string Name(GgufFileType type) =>
        Known.FirstOrDefault(k => k.Type == type).Name ?? $"file type {(uint)type}";

    /// <summary>The type most tensors get (llama.cpp's <c>llama_ftype_get_default_type</c>).</summary>
    /// <exception cref="NotSupportedException">A file type Strata does not write.</exception>
    public static GgmlType DefaultTensorType(GgufFileType type)
    {
        foreach (var known in Known)
            if (known.Type == type) return known.Default;
        throw new NotSupportedException($"GGUF file type {(uint)type} is not one Strata writes (supported: {string.Join(", ", Names)})");
    }
}
