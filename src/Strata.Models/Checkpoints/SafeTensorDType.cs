using TorchSharp;

namespace Strata.Models.Checkpoints;

/// <summary>The element types Strata reads and writes in safetensors files (the header's <c>dtype</c> strings).</summary>
public enum SafeTensorDType
{
    /// <summary><c>"BOOL"</c>, one byte per element.</summary>
    Bool,
    /// <summary><c>"U8"</c>.</summary>
    U8,
    /// <summary><c>"I8"</c>.</summary>
    I8,
    /// <summary><c>"I16"</c>.</summary>
    I16,
    /// <summary><c>"F16"</c>, IEEE 754 half precision.</summary>
    F16,
    /// <summary><c>"BF16"</c>, bfloat16 (the upper half of a float32).</summary>
    BF16,
    /// <summary><c>"I32"</c>.</summary>
    I32,
    /// <summary><c>"F32"</c>.</summary>
    F32,
    /// <summary><c>"F64"</c>.</summary>
    F64,
    /// <summary><c>"I64"</c>.</summary>
    I64,
}

/// <summary>Conversions between <see cref="SafeTensorDType"/>, header strings and TorchSharp scalar types.</summary>
public static class SafeTensorDTypes
{
    /// <summary>The header string for <paramref name="dtype"/>, e.g. <c>"BF16"</c>.</summary>
    public static string ToHeaderName(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.Bool => "BOOL",
        _ => dtype.ToString(),
    };

    /// <summary>Parses a header dtype string; false for strings this reader does not support (U16, F8_E4M3, ...).</summary>
    public static bool TryParseHeaderName(string name, out SafeTensorDType dtype)
    {
        dtype = default;
        if (name == "BOOL")
        {
            dtype = SafeTensorDType.Bool;
            return true;
        }
        // Enum.TryParse would also accept "Bool", "7" or "f32"; the format's names are exact upper case.
        foreach (var candidate in Enum.GetValues<SafeTensorDType>())
        {
            if (candidate != SafeTensorDType.Bool && candidate.ToString() == name)
            {
                dtype = candidate;
                return true;
            }
        }
        return false;
    }

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.Bool or SafeTensorDType.U8 or SafeTensorDType.I8 => 1,
        SafeTensorDType.I16 or SafeTensorDType.F16 or SafeTensorDType.BF16 => 2,
        SafeTensorDType.I32 or SafeTensorDType.F32 => 4,
        SafeTensorDType.F64 or SafeTensorDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The TorchSharp scalar type with the same bit layout.</summary>
    public static torch.ScalarType ToScalarType(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.Bool => torch.ScalarType.Bool,
        SafeTensorDType.U8 => torch.ScalarType.Byte,
        SafeTensorDType.I8 => torch.ScalarType.Int8,
        SafeTensorDType.I16 => torch.ScalarType.Int16,
        SafeTensorDType.F16 => torch.ScalarType.Float16,
        SafeTensorDType.BF16 => torch.ScalarType.BFloat16,
        SafeTensorDType.I32 => torch.ScalarType.Int32,
        SafeTensorDType.F32 => torch.ScalarType.Float32,
        SafeTensorDType.F64 => torch.ScalarType.Float64,
        SafeTensorDType.I64 => torch.ScalarType.Int64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The safetensors dtype for a TorchSharp scalar type.</summary>
    /// <exception cref="NotSupportedException">No safetensors dtype here stores <paramref name="type"/> (complex types, ...).</exception>
    public static SafeTensorDType FromScalarType(torch.ScalarType type)
    {
        foreach (var candidate in Enum.GetValues<SafeTensorDType>())
        {
            if (candidate.ToScalarType() == type) return candidate;
        }
        throw new NotSupportedException($"TorchSharp dtype {type} has no safetensors dtype supported by Strata");
    }

    /// <summary>
    /// Position in the reference implementation's Dtype enum (increasing alignment). Its writer orders
    /// tensors by this, descending, then by name, so wide types stay aligned; Strata's writer does the same.
    /// </summary>
    internal static int ReferenceAlignmentRank(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.Bool => 0,
        SafeTensorDType.U8 => 1,
        SafeTensorDType.I8 => 2,
        // 3, 4: F8_E5M2, F8_E4M3
        SafeTensorDType.I16 => 5,
        // 6: U16
        SafeTensorDType.F16 => 7,
        SafeTensorDType.BF16 => 8,
        SafeTensorDType.I32 => 9,
        // 10: U32
        SafeTensorDType.F32 => 11,
        SafeTensorDType.F64 => 12,
        SafeTensorDType.I64 => 13,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };
}
