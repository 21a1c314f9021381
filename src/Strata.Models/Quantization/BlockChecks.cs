namespace Strata.Models.Quantization;

/// <summary>Argument checks shared by the row quantizers, so every format words its errors the same way.</summary>
internal static class BlockChecks
{
    /// <summary>Checks a quantize call: <paramref name="elements"/> floats in, <paramref name="outputBytes"/> bytes of room.
    /// Returns the block count.</summary>
    public static int Output(GgmlType type, int elements, int outputBytes)
    {
        long needed = GgmlTypes.RowBytes(type, elements);
        if (outputBytes < needed)
        {
            throw new ArgumentException(
                $"{GgmlTypes.Name(type)}: {elements} elements need {needed} bytes of output, but the buffer holds {outputBytes}");
        }
        return elements / GgmlTypes.BlockSize(type);
    }

    /// <summary>Checks a dequantize call: <paramref name="inputBytes"/> bytes in, <paramref name="elements"/> floats out.
    /// Returns the block count.</summary>
    public static int Input(GgmlType type, int inputBytes, int elements)
    {
        long needed = GgmlTypes.RowBytes(type, elements);
        if (inputBytes < needed)
        {
            throw new ArgumentException(
                $"{GgmlTypes.Name(type)}: {elements} elements need {needed} bytes of input, but only {inputBytes} were given");
        }
        return elements / GgmlTypes.BlockSize(type);
    }
}
