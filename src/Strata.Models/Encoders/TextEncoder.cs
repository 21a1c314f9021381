using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Encoders;

/// <summary>
/// The one place that knows what an encoder folder is and runs it: config, WordPiece tokenizer, sentence-transformers
/// pooling and weights, turned into embeddings (bi-encoders), relevance scores (cross-encoders) or class logits.
/// Inputs are sorted by length and padded per batch, so a batch of short texts does not pay for one long one.
/// One forward pass at a time (callers on several threads queue on a lock); each pass uses TorchSharp's threads.
/// </summary>
public sealed class TextEncoder : IDisposable
{
    /// <summary>Texts per forward pass, and the padded tokens a pass may hold (memory stays bounded for long inputs).</summary>
    private const int BatchTexts = 32, BatchTokens = 16384;

    private readonly nn.Module model;
    private readonly Lock gate = new();

    private TextEncoder(string path, EncoderConfig config, EncoderTokenizer tokenizer, EncoderPooling pooling, SentenceTransformersSettings settings, nn.Module model)
    {
        Path = path;
        Config = config;
        Tokenizer = tokenizer;
        Pooling = pooling;
        Settings = settings;
        this.model = model;
        MaxLength = Math.Min(Math.Min(config.MaxPositionEmbeddings, tokenizer.ModelMaxLength ?? int.MaxValue), settings.MaxSequenceLength ?? int.MaxValue);
    }

    /// <summary>Opens an encoder folder: config.json (model_type bert), safetensors weights, tokenizer, sentence-transformers pooling.</summary>
    /// <exception cref="InvalidDataException">A file is missing, malformed or describes something else; the message names it.</exception>
    public static TextEncoder Open(string directory)
    {
        string path = System.IO.Path.GetFullPath(directory);
        var config = EncoderConfig.Load(path);
        var tokenizer = EncoderTokenizer.FromFolder(path);
        if (tokenizer.VocabularySize > config.VocabSize)
        {
            throw new InvalidDataException($"{path}: the tokenizer has {tokenizer.VocabularySize} tokens but config.json's vocab_size is {config.VocabSize}");
        }
        var pooling = config.Head == EncoderHead.Embedding ? EncoderPooling.Read(path) : EncoderPooling.Default;
        var settings = config.Head == EncoderHead.Embedding ? SentenceTransformersSettings.Read(path) : SentenceTransformersSettings.None;
        return new TextEncoder(path, config, tokenizer, pooling, settings, EncoderCheckpoint.Load(path, config));
    }

    public string Path { get; }

    public EncoderConfig Config { get; }

    public EncoderTokenizer Tokenizer { get; }

    public EncoderPooling Pooling { get; }

    /// <summary>sentence-transformers' sequence limit and role prompts.</summary>
    public SentenceTransformersSettings Settings { get; }

    public EncoderHead Head => Config.Head;

    /// <summary>Tokens per input, [CLS] and [SEP] included; longer texts are truncated to it.</summary>
    public int MaxLength { get; }

    /// <summary>Width of an embedding.</summary>
    public int Dimensions => Config.HiddenSize;

    /// <summary>
    /// One vector per text, pooled as the model's sentence-transformers config says, each text prefixed with the
    /// model's prompt for <paramref name="role"/> (texts truncated at the end).
    /// </summary>
    public float[][] Embed(IReadOnlyList<string> texts, EmbeddingRole role = EmbeddingRole.Default)
    {
        Require(EncoderHead.Embedding, "embeddings");
        return Run(texts.Select(t => Encode(t, Truncation.End, role)).ToList());
    }

    /// <summary>Class logits per text (a classifier).</summary>
    public float[][] Classify(IReadOnlyList<string> texts)
    {
        Require(EncoderHead.SequenceClassification, "classification");
        return Run(texts.Select(t => Encode(t, Truncation.End)).ToList());
    }

    /// <summary>
    /// "[CLS] text [SEP]" within <see cref="MaxLength"/>: cut at the end or the start, or refused with
    /// <see cref="Truncation.None"/>.
    /// </summary>
    /// <exception cref="InputTooLongException">The text is longer than the model holds and <paramref name="truncation"/> is None.</exception>
    public EncodedInput Encode(string text, Truncation truncation, EmbeddingRole role = EmbeddingRole.Default)
    {
        var words = Tokenizer.EncodeWords(Settings.PromptFor(role) + text);
        int room = MaxLength - 2;
        if (words.Count > room)
        {
            if (truncation == Truncation.None) throw new InputTooLongException(words.Count + 2, MaxLength);
            words = truncation == Truncation.End ? words.Take(room).ToArray() : words.Skip(words.Count - room).ToArray();
        }
        return new EncodedInput([Tokenizer.ClsTokenId, .. words, Tokenizer.SepTokenId], new int[words.Count + 2]);
    }

    /// <summary>
    /// How relevant each document is to <paramref name="query"/>, in [0, 1], higher first when sorted. A cross-encoder
    /// reads each pair together ("[CLS] query [SEP] document [SEP]", truncated longest first) and its one logit goes
    /// through a sigmoid, as sentence-transformers' CrossEncoder does; an embedding model compares the texts' vectors
    /// (cosine similarity, negatives as 0).
    /// </summary>
    /// <param name="maxTokensPerDocument">Tokens of each document the pair may keep (the model's length bounds it too).</param>
    public float[] Relevance(string query, IReadOnlyList<string> documents, int? maxTokensPerDocument = null)
    {
        if (Head == EncoderHead.Embedding)
        {
            var query0 = Embed([query], EmbeddingRole.Query)[0];
            var vectors = Embed(documents, EmbeddingRole.Document);
            return vectors.Select(v => Math.Max(0f, Cosine(query0, v))).ToArray();
        }
        if (Config.LabelCount != 1)
        {
            throw new InvalidOperationException($"{Path} is a classifier with {Config.LabelCount} labels, not a one-logit cross-encoder; it cannot rank");
        }
        int queryTokens = Tokenizer.EncodeWords(query).Count;
        int limit = maxTokensPerDocument is int perDocument ? (int)Math.Min(MaxLength, (long)queryTokens + perDocument + 3) : MaxLength;
        var logits = Run(documents.Select(d => Tokenizer.EncodePair(query, d, limit)).ToList());
        return logits.Select(l => (float)(1 / (1 + Math.Exp(-l[0])))).ToArray();
    }

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : (float)(dot / Math.Sqrt(na * nb));
    }

    /// <summary>The model's output for each input (pooled vector or logits), in the inputs' order.</summary>
    public float[][] Run(IReadOnlyList<EncodedInput> inputs)
    {
        var results = new float[inputs.Count][];
        var order = Enumerable.Range(0, inputs.Count).OrderBy(i => inputs[i].InputIds.Length).ToArray();
        int start = 0;
        while (start < order.Length)
        {
            // Sorted by length, so the batch's last input is its longest: grow while the padded batch fits.
            int end = start + 1;
            while (end < order.Length && end - start < BatchTexts && (end - start + 1) * inputs[order[end]].InputIds.Length <= BatchTokens) end++;
            var batch = order[start..end];
            var outputs = Forward(batch.Select(i => inputs[i]).ToList());
            for (int j = 0; j < batch.Length; j++) results[batch[j]] = outputs[j];
            start = end;
        }
        return results;
    }

    private float[][] Forward(IReadOnlyList<EncodedInput> batch)
    {
        int width = batch.Max(b => b.InputIds.Length);
        var ids = new long[batch.Count * width];
        var types = new long[batch.Count * width];
        var mask = new long[batch.Count * width];
        for (int b = 0; b < batch.Count; b++)
        {
            var input = batch[b];
            if (input.InputIds.Length > Config.MaxPositionEmbeddings)
            {
                throw new ArgumentException($"an input has {input.InputIds.Length} tokens; the encoder holds {Config.MaxPositionEmbeddings}");
            }
            for (int t = 0; t < input.InputIds.Length; t++)
            {
                ids[b * width + t] = input.InputIds[t];
                types[b * width + t] = input.TokenTypeIds[t];
                mask[b * width + t] = 1;
            }
            // Padding keeps id 0, type 0 and mask 0: the mask alone keeps it out of every real token's attention.
        }
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var idTensor = tensor(ids, [batch.Count, width]);
            var typeTensor = tensor(types, [batch.Count, width]);
            var maskTensor = tensor(mask, [batch.Count, width]);
            var output = model switch
            {
                BertForSequenceClassification classifier => classifier.forward(idTensor, typeTensor, maskTensor),
                BertModel bert => Pooling.Apply(bert.forward(idTensor, typeTensor, maskTensor), maskTensor),
                _ => throw new InvalidOperationException($"unexpected encoder module {model.GetType().Name}"),
            };
            var values = output.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            int columns = (int)output.shape[1];
            return Enumerable.Range(0, batch.Count).Select(b => values.AsSpan(b * columns, columns).ToArray()).ToArray();
        }
    }

    private void Require(EncoderHead head, string what)
    {
        if (Head != head)
        {
            throw new InvalidOperationException(head == EncoderHead.Embedding
                ? $"{Path} is a {Config.Architectures.FirstOrDefault()} (a classifier or cross-encoder) and gives no {what}; use an embedding model"
                : $"{Path} is an embedding model and gives no {what}; use a BertForSequenceClassification (cross-encoder) model");
        }
    }

    public void Dispose() => model.Dispose();
}

/// <summary>Where a text longer than the encoder holds is cut (Cohere's <c>truncate</c>).</summary>
public enum Truncation
{
    /// <summary>Refuse it.</summary>
    None,

    /// <summary>Keep its end.</summary>
    Start,

    /// <summary>Keep its beginning.</summary>
    End,
}

/// <summary>A text longer than the encoder holds, where truncation was not allowed.</summary>
public sealed class InputTooLongException(int tokens, int limit)
    : Exception($"the text has {tokens} tokens; the encoder holds {limit}")
{
    public int Tokens { get; } = tokens;

    public int Limit { get; } = limit;
}
