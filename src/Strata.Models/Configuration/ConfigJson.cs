using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Models.Configuration;

/// <summary>How a Hugging Face <c>config.json</c> is read, whatever model family it describes.</summary>
internal static class ConfigJson
{
    /// <summary>The file as <typeparamref name="T"/>, with newer transformers' <c>dtype</c> read as <c>torch_dtype</c>.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">Malformed JSON or values of the wrong type; the message names the file.</exception>
    public static T Read<T>(string path, JsonSerializerOptions options) where T : class
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model config not found", path);
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
            if (!node.ContainsKey("torch_dtype") && node["dtype"] is JsonValue dtype) node["torch_dtype"] = dtype.ToString();
            return node.Deserialize<T>(options) ?? throw new InvalidDataException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid config.json: {e.Message}", e);
        }
    }
}
