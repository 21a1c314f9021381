namespace Strata.Training.Datasets;

/// <summary>
/// How <see cref="TokenDatasetBuilder"/> turns text into a token dataset. Saved in meta.json: a dataset is reused only
/// when these options are equal. Building uses no random numbers, so no seed belongs here.
/// </summary>
public sealed record PretrainDataOptions
{
    /// <summary>Fraction of the characters (Unicode code points) held out for validation, taken from the end of the
    /// concatenated documents as nanoGPT does (<c>data[int(n*0.9):]</c>). In [0, 1].</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    public void Validate()
    {
        if (!(ValidationFraction >= 0 && ValidationFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "must be in [0, 1]");
    }
}
