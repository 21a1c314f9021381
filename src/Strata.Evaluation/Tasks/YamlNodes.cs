using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Strata.Evaluation.Tasks;

/// <summary>YAML nodes as JSON values, keeping each node's line for messages. JSON task files parse the same way (YAML
/// reads JSON), so one reader serves both.</summary>
internal static class YamlNodes
{
    /// <summary>Parses the file's single document; its root must be a mapping.</summary>
    /// <exception cref="TaskFileException">Not YAML/JSON, several documents, or not a mapping.</exception>
    public static YamlMappingNode ReadRoot(string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new TaskFileException(file, e.Start.Line, null, $"not valid YAML or JSON: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count != 1) throw new TaskFileException(file, 1, null, $"expected one task, found {stream.Documents.Count} YAML documents");
        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new TaskFileException(file, stream.Documents[0].RootNode.Start.Line, null, "a task file is a mapping of keys (task, dataset_path, output_type, …)");
    }

    public static long Line(YamlNode node) => node.Start.Line;

    /// <summary>The node as JSON: plain scalars typed by YAML's core schema (numbers, true/false, null), quoted ones strings.</summary>
    /// <exception cref="TaskFileException">A Python-only construct such as <c>!function</c>.</exception>
    public static JsonNode? ToJson(string file, string field, YamlNode node)
    {
        if (!node.Tag.IsEmpty && node.Tag.Value is string tag && !tag.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal))
        {
            throw new TaskFileException(file, Line(node), field, $"'{tag}' runs Python code, which Strata cannot; express it as a field name or a Jinja template");
        }
        switch (node)
        {
            case YamlScalarNode scalar:
                return Scalar(scalar);
            case YamlSequenceNode sequence:
                return new JsonArray(sequence.Children.Select(child => ToJson(file, field, child)).ToArray());
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children) obj[((YamlScalarNode)key).Value ?? ""] = ToJson(file, field, value);
                return obj;
            default:
                throw new TaskFileException(file, Line(node), field, "aliases and other YAML constructs are not read here");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain) return JsonValue.Create(text);
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer)) return JsonValue.Create(integer);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)) return JsonValue.Create(number);
        return JsonValue.Create(text);
    }
}
