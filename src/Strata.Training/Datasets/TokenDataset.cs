namespace Strata.Training.Datasets;

/// <summary>A built token dataset opened for reading: its meta.json and memory-mapped train/validation shards.</summary>
public sealed class TokenDataset : IDisposable
{
    private TokenDataset(string directory, TokenDatasetInfo info, TokenShard train, TokenShard validation)
    {
        Directory = directory;
        Info = info;
        Train = train;
        Validation = validation;
    }

    public string Directory { get; }
    public TokenDatasetInfo Info { get; }
    public TokenShard Train { get; }
    public TokenShard Validation { get; }

    /// <summary>Opens the dataset that TokenDatasetBuilder.Build wrote to <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">meta.json is missing or corrupt, or a .bin file is missing or its size
    /// disagrees with meta.json; the message names the file.</exception>
    public static TokenDataset Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory);
        var info = TokenDatasetMeta.Read(Path.Combine(full, TokenDatasetInfo.MetaFileName));
        if (TokenDatasetMeta.BinSizeProblem(full, info) is { } problem) throw new InvalidDataException(problem);
        var train = new TokenShard(Path.Combine(full, TokenDatasetInfo.TrainFileName), info.DType);
        try
        {
            var validation = new TokenShard(Path.Combine(full, TokenDatasetInfo.ValidationFileName), info.DType);
            return new TokenDataset(full, info, train, validation);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
    }
}
