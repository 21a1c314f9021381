using Strata.Models.Loading;

namespace Strata.Models.Tests.Loading;

/// <summary>tokenizer_config.json and generation_config.json in the shapes the Hub publishes them.</summary>
public sealed class ModelMetadataTests
{
    [Fact]
    public void ReadsNamedTemplatesAddedTokenObjectsAndEosLists()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), """
            {"bos_token": {"content": "<BOS_TOKEN>", "lstrip": false, "__type": "AddedToken"}, "eos_token": "<|END_OF_TURN_TOKEN|>",
             "chat_template": [{"name": "default", "template": "D"}, {"name": "rag", "template": "R"}, {"name": "tool_use", "template": "T"}]}
            """);
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), """
            {"eos_token_id": [128001, 128008, 128009], "temperature": 0.6, "top_p": 0.9, "top_k": 40}
            """);
        var metadata = ModelMetadata.Load(directory);
        Assert.Equal("D", metadata.ChatTemplate);
        Assert.Equal("R", metadata.NamedChatTemplates["rag"]);
        Assert.Equal("<BOS_TOKEN>", metadata.BosToken);
        Assert.Equal("<|END_OF_TURN_TOKEN|>", metadata.EosToken);
        Assert.Equal([128001, 128008, 128009], metadata.GenerationEosTokenIds);
        Assert.Equal(0.6, metadata.DefaultTemperature);
        Assert.Equal(40, metadata.DefaultTopK);
    }

    [Fact]
    public void MissingFilesMeanDefaultsAndBrokenOnesNameTheFile()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        var defaults = ModelMetadata.Load(directory);
        Assert.Null(defaults.ChatTemplate);
        Assert.Empty(defaults.GenerationEosTokenIds);
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), "{ not json");
        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Load(directory));
        Assert.Contains("generation_config.json", error.Message);
    }
}
