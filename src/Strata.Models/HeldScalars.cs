using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models;

/// <summary>
/// Addition without a temporary Scalar. TorchSharp's <c>a + b</c>, <c>add(Tensor)</c>, <c>add_(Tensor)</c>,
/// <c>add(Scalar)</c> and <c>add_(Scalar)</c> all pass a freshly made Scalar alpha = 1 to native code; once its handle
/// is read nothing references it, so the garbage collector may finalize it while libtorch still reads it, and a run
/// crashes hundreds of steps in with "Expected false to be true … toFloat". Tensor code on hot paths adds through
/// these, which hold 1 for the life of the process. (<c>square()</c> is <c>pow(2)</c> the same way: multiply instead.)
/// </summary>
public static class HeldScalars
{
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a + b for a held Scalar b.</summary>
    public static Tensor Plus(this Tensor a, Scalar b) => a.add(b, One);

    /// <summary>a += b for a held Scalar b, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Scalar b) => a.add_(b, One);
}
