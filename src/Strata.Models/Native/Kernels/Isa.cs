using System.Runtime.Intrinsics.X86;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Which instruction-set paths the kernels take. Read once per call from static readonly fields, which the JIT folds
/// into constants, so the untaken branches cost nothing. <see cref="ForceScalar"/> (env <c>STRATA_NATIVE_SCALAR=1</c>)
/// runs the portable fallback everywhere, so tests can prove it gives the SIMD paths' results.
/// </summary>
internal static class Isa
{
    public static readonly bool ForceScalar = Environment.GetEnvironmentVariable("STRATA_NATIVE_SCALAR") == "1";

    public static readonly bool Avx2 = !ForceScalar && System.Runtime.Intrinsics.X86.Avx2.IsSupported && Fma.IsSupported;

    public static readonly bool Avx512 = Avx2 && Avx512F.IsSupported && Avx512BW.IsSupported && Avx512F.VL.IsSupported;

    /// <summary>VEX-encoded VNNI (vpdpbusd on 256-bit registers): Alder Lake, Sapphire Rapids, Zen 4 and later.</summary>
    public static readonly bool AvxVnni = Avx2 && System.Runtime.Intrinsics.X86.AvxVnni.IsSupported;

    /// <summary>A short description for logs and benchmark reports.</summary>
    public static string Describe() =>
        ForceScalar ? "scalar (forced)" : string.Join(" ", new[] { Avx2 ? "AVX2+FMA" : null, Avx512 ? "AVX-512" : null, AvxVnni ? "AVX-VNNI" : null }.Where(s => s is not null).DefaultIfEmpty("scalar"));
}
