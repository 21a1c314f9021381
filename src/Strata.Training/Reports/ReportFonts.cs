using System.IO.Compression;
using ScottPlot;
using SkiaSharp;

namespace Strata.Training.Reports;

/// <summary>
/// Fonts for headless plot rendering. ScottPlot 5 draws text with system fonts only; with the NoDependencies
/// SkiaSharp native assets and no fonts installed it silently draws no text at all (checked: blank title, axis
/// labels, tick labels and legend). So every plot uses an embedded subset of DejaVu Sans (regular and bold),
/// which also makes the output look the same on every machine. A title with characters the subset lacks
/// falls back to whichever system font ScottPlot finds that has them.
/// </summary>
internal static class ReportFonts
{
    /// <summary>The name the embedded font is registered under with ScottPlot.</summary>
    public const string FamilyName = "Strata Embedded DejaVu Sans";

    private static readonly Lazy<EmbeddedResolver> Resolver = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Sets every label of <paramref name="plot"/> to the embedded font; call before adding the title.</summary>
    public static void Apply(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        _ = Resolver.Value;
        // Not plot.Font.Set: it also changes ScottPlot's process-wide Fonts.Default, and with it (5.1.59) the
        // rendered text came out in Skia's default face (serif, regular) instead of ours; most likely because it
        // disposes the typeface it looks up, which is the instance ScottPlot caches. Setting names directly works.
        plot.Axes.Title.Label.FontName = FamilyName;
        foreach (IAxis axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = FamilyName;
            axis.TickLabelStyle.FontName = FamilyName;
        }
        plot.Legend.FontName = FamilyName;
    }

    /// <summary>The font name to use for <paramref name="text"/>: the embedded one unless it lacks a glyph the text needs.</summary>
    public static string ForText(string text)
    {
        if (Covers(text))
        {
            return FamilyName;
        }
        string system = Fonts.Detect(text);
        return string.IsNullOrEmpty(system) ? FamilyName : system;
    }

    /// <summary>True if the embedded regular face has a glyph for every character of <paramref name="text"/>.</summary>
    public static bool Covers(string text)
    {
        using SKTypeface face = Resolver.Value.Create(bold: false);
        return face.ContainsGlyphs(text.Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal));
    }

    private static EmbeddedResolver Register()
    {
        var resolver = new EmbeddedResolver(Decode(EmbeddedFontData.RegularGzipBase64), Decode(EmbeddedFontData.BoldGzipBase64));
        Fonts.FontResolvers.Insert(0, resolver);
        return resolver;
    }

    private static byte[] Decode(string gzipBase64)
    {
        using var input = new MemoryStream(Convert.FromBase64String(gzipBase64));
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private sealed class EmbeddedResolver(byte[] regularData, byte[] boldData) : IFontResolver
    {
        public SKTypeface Create(bool bold) =>
            SKTypeface.FromData(SKData.CreateCopy(bold ? boldData : regularData))
            ?? throw new InvalidOperationException("SkiaSharp could not load the embedded DejaVu Sans subset.");

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            IsOurs(fontName) ? Create(bold: weight >= FontWeight.SemiBold) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            IsOurs(fontName) ? Create(bold) : null;

        private static bool IsOurs(string fontName) => string.Equals(fontName, FamilyName, StringComparison.Ordinal);
    }
}
