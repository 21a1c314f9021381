using System.Security.Cryptography;
using System.Text;
using Strata.Models.Tokenization;

namespace Strata.Training.Datasets;

/// <summary>
/// Builds a nanoGPT-style token dataset (train.bin, val.bin, meta.json) from text files.
/// <para>Documents are concatenated in input order with the end-of-text id after each one. The split is nanoGPT's:
/// of the n characters (Unicode code points, Python's <c>len</c>) of all documents, the first
/// ⌊n·(1 − ValidationFraction)⌋ are train and the rest validation; a document cut by the split gives its head to
/// train (no end-of-text after it) and its tail to validation. The two parts are tokenized separately, exactly as
/// nanoGPT encodes <c>data[:k]</c> and <c>data[k:]</c>. Empty documents are skipped (no end-of-text).</para>
/// </summary>
public static class TokenDatasetBuilder
{
    // Documents are tokenized in parallel in groups this large; output order is input order.
    private const int GroupCharacters = 4 << 20;
    private const int GroupDocuments = 1024;

    /// <summary>
    /// Builds the dataset in <paramref name="outputDirectory"/>, or returns the existing one unchanged when its
    /// meta.json records the same source bytes (size + SHA-256), tokenizer fingerprint, end-of-text id and options.
    /// Files are written under temporary names and renamed into place, meta.json last, so an interrupted build leaves
    /// no dataset that looks complete. One build per directory at a time.
    /// </summary>
    /// <param name="endOfTextTokenId">Id written after every document, e.g. <c>tokenizer.TokenToId("&lt;|endoftext|&gt;")</c>.</param>
    /// <param name="progress">Fraction of characters tokenized, 0 to 1.</param>
    /// <exception cref="FileNotFoundException">An input file does not exist (named in the message and FileName).</exception>
    /// <exception cref="ArgumentException">No inputs, an unsupported extension, or an end-of-text id outside the vocabulary.</exception>
    /// <exception cref="InvalidDataException">An input is not valid UTF-8, or a .jsonl line is bad (<c>"{path}:{line}: ..."</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static TokenDatasetInfo Build(IReadOnlyList<string> inputPaths, StrataTokenizer tokenizer, int endOfTextTokenId,
        string outputDirectory, PretrainDataOptions options, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return Build(inputPaths, tokenizer, endOfTextTokenId, outputDirectory, options, tokenizer.VocabularySize, progress, ct);
    }

    /// <summary>Seam for tests: <paramref name="vocabularySize"/> may exceed the tokenizer's to force uint32 files.</summary>
    internal static TokenDatasetInfo Build(IReadOnlyList<string> inputPaths, StrataTokenizer tokenizer, int endOfTextTokenId,
        string outputDirectory, PretrainDataOptions options, int vocabularySize, IProgress<double>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(inputPaths);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (inputPaths.Count == 0) throw new ArgumentException("no input files", nameof(inputPaths));
        if (vocabularySize < tokenizer.VocabularySize)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "smaller than the tokenizer's vocabulary");
        if (endOfTextTokenId < 0 || endOfTextTokenId >= vocabularySize)
            throw new ArgumentException($"end-of-text id {endOfTextTokenId} is outside the vocabulary (size {vocabularySize})", nameof(endOfTextTokenId));
        foreach (string path in inputPaths)
        {
            ArgumentException.ThrowIfNullOrEmpty(path, nameof(inputPaths));
            if (!File.Exists(path)) throw new FileNotFoundException($"pretraining input not found: {path}", path);
            if (!PretrainTextReader.IsSupported(path))
                throw new ArgumentException($"{path}: unsupported input type (expected .txt, .md or .jsonl)", nameof(inputPaths));
        }

        var sources = inputPaths.Select(path => Describe(path, ct)).ToList();
        var wanted = new TokenDatasetInfo(TokenDatasetInfo.CurrentFormatVersion, TokenDatasetInfo.DTypeFor(vocabularySize),
            vocabularySize, endOfTextTokenId, 0, 0, 0, 0, 0, 0, sources, TokenizerFingerprint.Compute(tokenizer), options);
        Directory.CreateDirectory(outputDirectory);
        if (TokenDatasetMeta.ReadIfUpToDate(outputDirectory, wanted) is { } existing)
        {
            progress?.Report(1.0);
            return existing;
        }

        // Remove the old meta.json first: if this build is interrupted after renaming one .bin, no stale meta.json
        // may vouch for a mixture of old and new files.
        string metaPath = Path.Combine(outputDirectory, TokenDatasetInfo.MetaFileName);
        File.Delete(metaPath);
        // First pass: the split point needs the total length, and reading every document first also rejects a bad
        // .jsonl line before any tokenizing time is spent.
        long totalCharacters = 0;
        foreach (string path in inputPaths)
        {
            foreach (string document in PretrainTextReader.Read(path, ct)) totalCharacters += PretrainTextReader.CountCodePoints(document);
        }
        long trainCharacters = (long)Math.Floor(totalCharacters * (1.0 - options.ValidationFraction));
        var counts = Tokenize(inputPaths, tokenizer, endOfTextTokenId, outputDirectory, wanted, totalCharacters, trainCharacters, progress, ct);
        var info = wanted with
        {
            Documents = counts.Documents,
            TrainTokens = counts.TrainTokens,
            ValidationTokens = counts.ValidationTokens,
            TrainCharacters = trainCharacters,
            ValidationCharacters = totalCharacters - trainCharacters,
            ValidationBytes = counts.ValidationBytes,
        };
        TokenDatasetMeta.Write(metaPath, info);
        progress?.Report(1.0);
        return info;
    }

    private sealed record Counts(long Documents, long TrainTokens, long ValidationTokens, long ValidationBytes);

    /// <summary>A piece of a document bound for one split.</summary>
    private readonly record struct Segment(string Text, bool Validation, bool EndsDocument);

    private static Counts Tokenize(IReadOnlyList<string> inputPaths, StrataTokenizer tokenizer, int endOfTextTokenId, string directory,
        TokenDatasetInfo wanted, long totalCharacters, long trainCharacters, IProgress<double>? progress, CancellationToken ct)
    {
        string trainPath = Path.Combine(directory, TokenDatasetInfo.TrainFileName);
        string validationPath = Path.Combine(directory, TokenDatasetInfo.ValidationFileName);
        string trainTemporary = trainPath + ".tmp", validationTemporary = validationPath + ".tmp";
        try
        {
            long documents = 0, validationBytes = 0, position = 0;
            long trainTokens, validationTokens;
            using (var train = new TokenBinWriter(trainTemporary, wanted.DType, wanted.VocabularySize))
            using (var validation = new TokenBinWriter(validationTemporary, wanted.DType, wanted.VocabularySize))
            {
                var group = new List<Segment>();
                long groupCharacters = 0;
                void FlushGroup()
                {
                    WriteGroup(group, tokenizer, endOfTextTokenId, train, validation, ct);
                    group.Clear();
                    groupCharacters = 0;
                    if (totalCharacters > 0) progress?.Report((double)position / totalCharacters);
                }
                foreach (string path in inputPaths)
                {
                    foreach (string document in PretrainTextReader.Read(path, ct))
                    {
                        long length = PretrainTextReader.CountCodePoints(document);
                        if (length == 0) continue;
                        documents++;
                        foreach (var segment in Split(document, position, length, trainCharacters))
                        {
                            group.Add(segment);
                            if (segment.Validation) validationBytes += Encoding.UTF8.GetByteCount(segment.Text);
                        }
                        position += length;
                        groupCharacters += document.Length;
                        if (groupCharacters >= GroupCharacters || group.Count >= GroupDocuments) FlushGroup();
                    }
                }
                FlushGroup();
                train.Complete();
                validation.Complete();
                trainTokens = train.Count;
                validationTokens = validation.Count;
            }
            File.Move(trainTemporary, trainPath, overwrite: true);
            File.Move(validationTemporary, validationPath, overwrite: true);
            return new Counts(documents, trainTokens, validationTokens, validationBytes);
        }
        finally
        {
            File.Delete(trainTemporary);
            File.Delete(validationTemporary);
        }
    }

    /// <summary>Where a document starting at code point <paramref name="start"/> of the concatenation goes.</summary>
    private static IEnumerable<Segment> Split(string document, long start, long length, long trainCharacters)
    {
        if (start + length <= trainCharacters)
        {
            yield return new Segment(document, Validation: false, EndsDocument: true);
        }
        else if (start >= trainCharacters)
        {
            yield return new Segment(document, Validation: true, EndsDocument: true);
        }
        else
        {
            int cut = PretrainTextReader.CharIndexOfCodePoint(document, trainCharacters - start);
            yield return new Segment(document[..cut], Validation: false, EndsDocument: false);
            yield return new Segment(document[cut..], Validation: true, EndsDocument: true);
        }
    }

    private static void WriteGroup(List<Segment> group, StrataTokenizer tokenizer, int endOfTextTokenId,
        TokenBinWriter train, TokenBinWriter validation, CancellationToken ct)
    {
        if (group.Count == 0) return;
        var ids = new IReadOnlyList<int>[group.Count];
        // parseSpecialTokens: false — "<|endoftext|>" typed in a document is text, never the separator id.
        Parallel.For(0, group.Count, new ParallelOptions { CancellationToken = ct },
            i => ids[i] = tokenizer.Encode(group[i].Text, addBos: false, parseSpecialTokens: false));
        for (int i = 0; i < group.Count; i++)
        {
            var writer = group[i].Validation ? validation : train;
            writer.Write(ids[i]);
            if (group[i].EndsDocument) writer.Write(endOfTextTokenId);
        }
    }

    private static SourceFileInfo Describe(string path, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var stream = File.OpenRead(path);
        byte[] hash = SHA256.HashData(stream);
        return new SourceFileInfo(Path.GetFullPath(path), stream.Length, Convert.ToHexStringLower(hash));
    }
}
