using System.Text.Json.Nodes;
using Strata.Models.Checkpoints;
using Strata.Models.Encoders;
using Strata.Models.Loading;
using TorchSharp;

namespace Strata.Models.Tests.Encoders;

/// <summary>Encoder folders: presets that open like downloaded models, and clear errors for everything malformed.</summary>
public class EncoderLoadingTests
{
    private static string Golden(string name) => Path.Combine(TestPaths.Golden, "encoders", name);

    /// <summary>A writable copy of a golden encoder folder, to break.</summary>
    private static string CopyOf(string name)
    {
        string target = Path.Combine(TestPaths.NewTemporaryDirectory(), name);
        foreach (string file in Directory.EnumerateFiles(Golden(name), "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(Golden(name), file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    [Fact]
    public void BertTinyPresetOpensAndEmbedsTextAsUnitVectors()
    {
        string dir = Path.Combine(TestPaths.NewTemporaryDirectory(), "bert-tiny");
        EncoderPresets.Create("bert-tiny", dir, seed: 4);
        using var encoder = TextEncoder.Open(dir);
        Assert.Equal(new EncoderPooling(PoolingMode.Mean, Normalize: true), encoder.Pooling);
        var vectors = encoder.Embed(["The crown, of course!", "a recipe for bread"]);
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 5));
        Assert.NotEqual(vectors[0], vectors[1]);
        Assert.DoesNotContain(encoder.Tokenizer.UnknownTokenId, encoder.Tokenizer.EncodeWords("The crown, of course! 42 + x = y?"));
    }

    [Fact]
    public void RerankerPresetGivesRelevanceInTheUnitIntervalAndRefusesEmbedding()
    {
        string dir = Path.Combine(TestPaths.NewTemporaryDirectory(), "bert-tiny-reranker");
        EncoderPresets.Create("bert-tiny-reranker", dir, seed: 4);
        using var encoder = TextEncoder.Open(dir);
        var scores = encoder.Relevance("crown", ["the crown", "bread", "a king's crown"]);
        Assert.Equal(3, scores.Length);
        Assert.All(scores, s => Assert.InRange(s, 0f, 1f));
        var error = Assert.Throws<InvalidOperationException>(() => encoder.Embed(["crown"]));
        Assert.Contains("embedding model", error.Message);
    }

    [Fact]
    public void SavedAndReloadedEncoderGivesTheSameVectors()
    {
        string dir = Path.Combine(TestPaths.NewTemporaryDirectory(), "bert-tiny");
        EncoderPresets.Create("bert-tiny", dir, seed: 9);
        using var encoder = TextEncoder.Open(dir);
        var config = EncoderConfig.Load(dir);
        using var model = EncoderCheckpoint.Load(dir, config);
        string copy = Path.Combine(TestPaths.NewTemporaryDirectory(), "copy");
        EncoderCheckpoint.Save(model, config, copy);
        foreach (string file in new[] { "vocab.txt", "tokenizer_config.json", "modules.json" }) File.Copy(Path.Combine(dir, file), Path.Combine(copy, file));
        Directory.CreateDirectory(Path.Combine(copy, "1_Pooling"));
        File.Copy(Path.Combine(dir, "1_Pooling", "config.json"), Path.Combine(copy, "1_Pooling", "config.json"));
        using var reloaded = TextEncoder.Open(copy);
        Assert.Equal(encoder.Embed(["kings and queens"])[0], reloaded.Embed(["kings and queens"])[0]);
    }

    [Fact]
    public void TruncationKeepsTheRightEndOrRefuses()
    {
        string dir = Path.Combine(TestPaths.NewTemporaryDirectory(), "bert-tiny");
        EncoderPresets.Create("bert-tiny", dir);
        using var encoder = TextEncoder.Open(dir);
        // 200 one-letter words (a word longer than 100 characters would be one [UNK], as in Hugging Face's WordPiece).
        string text = string.Join(' ', Enumerable.Range(0, 200).Select(i => (char)('a' + i % 26)));
        var words = encoder.Tokenizer.EncodeWords(text);
        var end = encoder.Encode(text, Truncation.End);
        var start = encoder.Encode(text, Truncation.Start);
        Assert.Equal(encoder.MaxLength, end.InputIds.Length);
        Assert.Equal(words.Take(encoder.MaxLength - 2), end.InputIds[1..^1]);
        Assert.Equal(words.Skip(words.Count - (encoder.MaxLength - 2)), start.InputIds[1..^1]);
        Assert.Equal([encoder.Tokenizer.ClsTokenId, encoder.Tokenizer.SepTokenId], new[] { start.InputIds[0], start.InputIds[^1] });
        var error = Assert.Throws<InputTooLongException>(() => encoder.Encode(text, Truncation.None));
        Assert.Equal(words.Count + 2, error.Tokens);
    }

    [Fact]
    public void PoolingConfigErrorsNameTheFile()
    {
        string dir = CopyOf("bert-mean");
        File.Delete(Path.Combine(dir, "1_Pooling", "config.json"));
        Assert.Contains(Path.Combine("1_Pooling", "config.json"), Assert.Throws<InvalidDataException>(() => EncoderPooling.Read(dir)).Message);

        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}""");
        Assert.Contains("exactly one", Assert.Throws<InvalidDataException>(() => EncoderPooling.Read(dir)).Message);

        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"pooling_mode_max_tokens": true}""");
        Assert.Equal(new EncoderPooling(PoolingMode.Max, Normalize: true), EncoderPooling.Read(dir));

        var modules = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "modules.json")))!.AsArray();
        modules.Add(new JsonObject { ["idx"] = 3, ["name"] = "3", ["path"] = "3_Dense", ["type"] = "sentence_transformers.models.Dense" });
        File.WriteAllText(Path.Combine(dir, "modules.json"), modules.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => EncoderPooling.Read(dir));
        Assert.Contains("modules.json", error.Message);
        Assert.Contains("Dense", error.Message);

        File.Delete(Path.Combine(dir, "modules.json"));
        Assert.Equal(EncoderPooling.Default, EncoderPooling.Read(dir));
    }

    [Fact]
    public void MissingUnexpectedAndMisshapenTensorsAreNamed()
    {
        string dir = CopyOf("bert-mean");
        var config = EncoderConfig.Load(dir);
        using (var weights = CheckpointWeights.Open(dir))
        {
            var tensors = weights.Names.Where(n => n != "encoder.layer.1.output.dense.bias")
                .Select(n => new KeyValuePair<string, torch.Tensor>(n, weights.Load(n))).ToList();
            string missing = Path.Combine(TestPaths.NewTemporaryDirectory(), "missing");
            CheckpointWeights.Save(missing, tensors, 1L << 30, null);
            Assert.Contains("missing tensor 'encoder.layer.1.output.dense.bias'",
                Assert.Throws<InvalidDataException>(() => EncoderCheckpoint.Load(missing, config)).Message);

            string extra = Path.Combine(TestPaths.NewTemporaryDirectory(), "extra");
            CheckpointWeights.Save(extra, [.. tensors, new("encoder.layer.1.output.dense.bias", torch.zeros(32)), new("decoder.weight", torch.zeros(2))], 1L << 30, null);
            Assert.Contains("unexpected tensor 'decoder.weight'", Assert.Throws<InvalidDataException>(() => EncoderCheckpoint.Load(extra, config)).Message);

            string wrong = Path.Combine(TestPaths.NewTemporaryDirectory(), "wrong");
            CheckpointWeights.Save(wrong, [.. tensors, new("encoder.layer.1.output.dense.bias", torch.zeros(31))], 1L << 30, null);
            Assert.Contains("[31]", Assert.Throws<InvalidDataException>(() => EncoderCheckpoint.Load(wrong, config)).Message);
        }
    }

    [Fact]
    public void OtherModelTypesAndLanguageModelLoadersSayWhatTheFolderIs()
    {
        string dir = CopyOf("bert-mean");
        Assert.Contains("encoder", Assert.Throws<InvalidDataException>(() => ModelPackage.Open(dir)).Message);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        config["hidden_act"] = "relu";
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        Assert.Contains("hidden_act 'relu'", Assert.Throws<InvalidDataException>(() => EncoderConfig.Load(dir)).Message);

        config["hidden_act"] = "gelu";
        config["model_type"] = "roberta";
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        Assert.False(EncoderConfig.Describes(dir));
    }

    [Fact]
    public void SentenceTransformersPromptsPrefixTextsByRoleAndMaxSeqLengthCapsInputs()
    {
        string dir = CopyOf("bert-mean");
        File.WriteAllText(Path.Combine(dir, "config_sentence_transformers.json"), """{"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": null}""");
        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length": 16, "do_lower_case": false}""");
        using var encoder = TextEncoder.Open(dir);
        Assert.Equal(16, encoder.MaxLength);
        Assert.Equal(encoder.Embed(["query: the crown"])[0], encoder.Embed(["the crown"], EmbeddingRole.Query)[0]);
        Assert.Equal(encoder.Embed(["passage: the crown"])[0], encoder.Embed(["the crown"], EmbeddingRole.Document)[0]);
        Assert.Equal(encoder.Embed(["the crown"])[0], encoder.Embed(["the crown"], EmbeddingRole.Clustering)[0]);
        Assert.Equal(16, encoder.Encode(string.Join(' ', Enumerable.Repeat("crown", 40)), Truncation.End).InputIds.Length);

        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length": "long"}""");
        Assert.Contains("sentence_bert_config.json", Assert.Throws<InvalidDataException>(() => TextEncoder.Open(dir)).Message);
    }
}
