namespace Strata.Models.Quantization;

/// <summary>
/// ggml's tensor element types, numbered as in <c>ggml.h</c> (the numbers are what GGUF files store). Numbers 4, 5
/// and 31–33, 36–38 belong to types ggml removed; they have no member here.
/// </summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
    Q2_0 = 42,
}

/// <summary>Block geometry and names of <see cref="GgmlType"/>s, from ggml's type traits.</summary>
public static class GgmlTypes
{
    /// <summary>Elements in a K-quant super-block (ggml's <c>QK_K</c>).</summary>
    public const int SuperBlockSize = 256;

    // (name, elements per block, bytes per block), in ggml's type_traits table.
    private static readonly Dictionary<GgmlType, (string Name, int Elements, int Bytes)> Traits = new()
    {
        [GgmlType.F32] = ("f32", 1, 4),
        [GgmlType.F16] = ("f16", 1, 2),
        [GgmlType.Q4_0] = ("q4_0", 32, 18),
        [GgmlType.Q4_1] = ("q4_1", 32, 20),
        [GgmlType.Q5_0] = ("q5_0", 32, 22),
        [GgmlType.Q5_1] = ("q5_1", 32, 24),
        [GgmlType.Q8_0] = ("q8_0", 32, 34),
        [GgmlType.Q8_1] = ("q8_1", 32, 36),
        [GgmlType.Q2_K] = ("q2_K", 256, 84),
        [GgmlType.Q3_K] = ("q3_K", 256, 110),
        [GgmlType.Q4_K] = ("q4_K", 256, 144),
        [GgmlType.Q5_K] = ("q5_K", 256, 176),
        [GgmlType.Q6_K] = ("q6_K", 256, 210),
        [GgmlType.Q8_K] = ("q8_K", 256, 292),
        [GgmlType.IQ2_XXS] = ("iq2_xxs", 256, 66),
        [GgmlType.IQ2_XS] = ("iq2_xs", 256, 74),
        [GgmlType.IQ3_XXS] = ("iq3_xxs", 256, 98),
        [GgmlType.IQ1_S] = ("iq1_s", 256, 50),
        [GgmlType.IQ4_NL] = ("iq4_nl", 32, 18),
        [GgmlType.IQ3_S] = ("iq3_s", 256, 110),
        [GgmlType.IQ2_S] = ("iq2_s", 256, 82),
        [GgmlType.IQ4_XS] = ("iq4_xs", 256, 136),
        [GgmlType.I8] = ("i8", 1, 1),
        [GgmlType.I16] = ("i16", 1, 2),
        [GgmlType.I32] = ("i32", 1, 4),
        [GgmlType.I64] = ("i64", 1, 8),
        [GgmlType.F64] = ("f64", 1, 8),
        [GgmlType.IQ1_M] = ("iq1_m", 256, 56),
        [GgmlType.BF16] = ("bf16", 1, 2),
        [GgmlType.TQ1_0] = ("tq1_0", 256, 54),
        [GgmlType.TQ2_0] = ("tq2_0", 256, 66),
        [GgmlType.MXFP4] = ("mxfp4", 32, 17),
        [GgmlType.NVFP4] = ("nvfp4", 64, 36),
        [GgmlType.Q1_0] = ("q1_0", 128, 18),
        [GgmlType.Q2_0] = ("q2_0", 64, 18),
    };

    /// <summary>True for a number ggml defines (removed types and numbers past the last type are false).</summary>
    public static bool IsKnown(GgmlType type) => Traits.ContainsKey(type);

    /// <summary>ggml's name for the type (<c>"f32"</c>, <c>"q4_K"</c>, ...); <c>"type 31"</c> for a number ggml does not define.</summary>
    public static string Name(GgmlType type) =>
        Traits.TryGetValue(type, out var t) ? t.Name : $"type {(uint)type}";

    /// <summary>Elements per block: 1 for F32/F16/BF16 and the integer types, 32 for Q4_0..Q8_1, 256 for K-quants.</summary>
    /// <exception cref="NotSupportedException">A number ggml does not define.</exception>
    public static int BlockSize(GgmlType type) => Get(type).Elements;

    /// <summary>Bytes per block (ggml's <c>type_size</c>).</summary>
    /// <exception cref="NotSupportedException">A number ggml does not define.</exception>
    public static int BlockBytes(GgmlType type) => Get(type).Bytes;

    /// <summary>Bytes of one row of <paramref name="columns"/> elements (ggml's <c>ggml_row_size</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="columns"/> is negative or not a multiple of the block size; the message names the type.</exception>
    public static long RowBytes(GgmlType type, long columns)
    {
        var (name, elements, bytes) = Get(type);
        if (columns < 0 || columns % elements != 0)
        {
            throw new ArgumentException(
                $"a row of {columns} elements cannot be stored as {name}: rows must be a multiple of its block size {elements}", nameof(columns));
        }
        return columns / elements * bytes;
    }

    /// <summary>
    /// Types Strata quantizes and dequantizes: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K.
    /// Q8_K is only quantized (activations for K-quant dot products), so it is not listed.
    /// </summary>
    public static bool IsSupported(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16
        or GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1
        or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K;

    /// <summary>Parses ggml's name (<c>"q4_K"</c>, case-insensitive) into a type.</summary>
    public static bool TryParse(string name, out GgmlType type)
    {
        foreach (var (candidate, traits) in Traits)
        {
            if (string.Equals(traits.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }
        type = default;
        return false;
    }

    private static (string Name, int Elements, int Bytes) Get(GgmlType type) =>
        Traits.TryGetValue(type, out var traits)
            ? traits
            : throw new NotSupportedException($"ggml type {(uint)type} is not a type ggml defines (removed or newer than Strata)");
}
