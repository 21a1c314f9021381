namespace Strata.Models.Tokenization;

/// <summary>
/// The byte-level BPE tokenizer shipped inside Strata (see Tokenization/Assets/README.md), so a model can be
/// created on a machine with nothing downloaded.
/// </summary>
public static class BundledTokenizer
{
    private const string ResourceName = "Strata.DefaultTokenizer.json";

    /// <summary>The special token that marks both the start and the end of a document.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Writes the bundled tokenizer.json to <paramref name="path"/>.</summary>
    public static void SaveTo(string path)
    {
        using var resource = typeof(BundledTokenizer).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} is missing from the assembly");
        string temporary = path + ".tmp";
        using (var file = File.Create(temporary)) resource.CopyTo(file);
        File.Move(temporary, path, overwrite: true);
    }

    public static StrataTokenizer Load()
    {
        string path = Path.Combine(Path.GetTempPath(), $"strata-bundled-{Guid.NewGuid():N}.json");
        try
        {
            SaveTo(path);
            return StrataTokenizer.FromTokenizerJson(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
