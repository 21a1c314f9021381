using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Tools;
using Strata.Training.Tuning;

namespace Strata.Training.Quickstart;

/// <summary>
/// The quickstart's tool-use family: three checkable tools (arithmetic, unit conversion, a lookup in a bundled table)
/// and conversations in which the assistant calls one, reads its result and answers with it, in Strata's own chat
/// format (<see cref="StrataToolFormat"/>), short enough for the quickstart's 128-token context. The executor is
/// what a client of the served model would run; the evaluation runs it on the model's own calls.
/// </summary>
public static class QuickstartTools
{
    /// <summary>Characters of the bundled corpus and the play each speaks in: the lookup tool's table.</summary>
    public static IReadOnlyDictionary<string, string> Plays { get; } = new Dictionary<string, string>
    {
        ["hamlet"] = "Hamlet",
        ["ophelia"] = "Hamlet",
        ["horatio"] = "Hamlet",
        ["romeo"] = "Romeo and Juliet",
        ["juliet"] = "Romeo and Juliet",
        ["mercutio"] = "Romeo and Juliet",
        ["tybalt"] = "Romeo and Juliet",
        ["capulet"] = "Romeo and Juliet",
        ["menenius"] = "Coriolanus",
        ["coriolanus"] = "Coriolanus",
        ["volumnia"] = "Coriolanus",
        ["aufidius"] = "Coriolanus",
        ["prospero"] = "The Tempest",
        ["miranda"] = "The Tempest",
        ["ariel"] = "The Tempest",
        ["caliban"] = "The Tempest",
        ["leontes"] = "The Winter's Tale",
        ["hermione"] = "The Winter's Tale",
        ["perdita"] = "The Winter's Tale",
        ["florizel"] = "The Winter's Tale",
        ["petruchio"] = "The Taming of the Shrew",
        ["katharina"] = "The Taming of the Shrew",
        ["bianca"] = "The Taming of the Shrew",
        ["gloucester"] = "Richard III",
        ["clarence"] = "Richard III",
        ["buckingham"] = "Richard III",
        ["bolingbroke"] = "Richard II",
        ["gaunt"] = "Richard II",
    };

    public static IReadOnlyList<ToolFunction> Functions { get; } =
    [
        Function("add", "Add two whole numbers", """{"type": "object", "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 999}, "b": {"type": "integer", "minimum": 0, "maximum": 999}}, "required": ["a", "b"], "additionalProperties": false}"""),
        Function("convert", "Kilometres to miles or kilograms to pounds", """{"type": "object", "properties": {"value": {"type": "integer", "minimum": 0, "maximum": 999}, "unit": {"enum": ["km", "kg"]}}, "required": ["value", "unit"], "additionalProperties": false}"""),
        Function("lookup", "The play a character speaks in", $$$"""{"type": "object", "properties": {"name": {"enum": [{{{string.Join(", ", Plays.Keys.Select(k => $"\"{k}\""))}}}]}}, "required": ["name"], "additionalProperties": false}"""),
    ];

    /// <summary>The tools as OpenAI's <c>tools</c> list (written beside the quickstart models as tools.json).</summary>
    public static JsonArray ToolsJson() => new([.. Functions.Select(f => (JsonNode)f.ToTemplate())]);

    /// <summary>The system turn Strata's chat template writes for these tools.</summary>
    public static string SystemText => "Tools: " + string.Join(' ', Functions.Select(f => f.Name));

    /// <summary>Runs a call as a client would; a malformed or out-of-range call gets an error message, not an exception.</summary>
    public static (bool Ok, string Result) Execute(string name, string arguments)
    {
        JsonObject? args;
        try
        {
            args = JsonNode.Parse(arguments) as JsonObject;
        }
        catch (JsonException)
        {
            args = null;
        }
        if (args is null) return (false, "error: arguments are not a JSON object");
        int? Integer(string key) => args[key] is JsonValue v && v.TryGetValue(out int n) && n is >= 0 and <= 999 ? n : null;
        string? Text(string key) => args[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        switch (name)
        {
            case "add" when args.Count == 2 && Integer("a") is int a && Integer("b") is int b:
                return (true, (a + b).ToString(CultureInfo.InvariantCulture));
            case "convert" when args.Count == 2 && Integer("value") is int value && Text("unit") is "km" or "kg":
                double converted = Text("unit") == "km" ? value * 0.621371 : value * 2.20462;
                return (true, converted.ToString("F1", CultureInfo.InvariantCulture));
            case "lookup" when args.Count == 1 && Text("name") is string character && Plays.TryGetValue(character, out string? play):
                return (true, play);
            default:
                return (false, $"error: bad call to {name}");
        }
    }

    /// <summary>
    /// Tool-use conversations as text for the tokenizer's training: a few hundred, since the markup repeats in every
    /// one and earns its merges without thousands of numbers and names crowding out the corpus' own words.
    /// </summary>
    public static IEnumerable<string> TokenizerSample(IEnumerable<VerifiableExample> examples) =>
        examples.Take(300).Select(e => ChatFormat.RenderText(e.Conversation.Messages, addGenerationPrompt: false));

    /// <summary>
    /// <paramref name="count"/> conversations (kinds round-robin, then shuffled): the tools' system turn, a question,
    /// the assistant's call, the tool's result, and the answer, which is the result.
    /// </summary>
    public static IReadOnlyList<VerifiableExample> Examples(int count, long seed)
    {
        var random = new Random((int)(seed & 0x7FFFFFFF));
        string[] names = [.. Plays.Keys];
        var examples = new List<VerifiableExample>(count);
        for (int i = 0; i < count; i++)
        {
            var (kind, question, tool, arguments) = (i % 4) switch
            {
                0 => Add(random),
                1 => Convert(random, "km"),
                2 => Convert(random, "kg"),
                _ => Lookup(names[random.Next(names.Length)]),
            };
            string result = Execute(tool, arguments.ToJsonString()).Result;
            var messages = new List<ChatMessage>
            {
                new(ChatRole.System, SystemText),
                new(ChatRole.User, question),
                new(ChatRole.Assistant, StrataToolFormat.Call(tool, arguments)),
                new(ChatRole.Tool, result),
                new(ChatRole.Assistant, result),
            };
            examples.Add(new VerifiableExample(new Conversation(messages), result) { Kind = kind, ItemKey = $"{kind}|{arguments.ToJsonString()}" });
        }
        for (int i = examples.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (examples[i], examples[j]) = (examples[j], examples[i]);
        }
        return examples;
    }

    private static (string, string, string, JsonObject) Add(Random random)
    {
        int a = random.Next(1000), b = random.Next(1000);
        return ("tool-add", $"{a} plus {b}?", "add", new JsonObject { ["a"] = a, ["b"] = b });
    }

    private static (string, string, string, JsonObject) Convert(Random random, string unit)
    {
        int value = random.Next(1000);
        string question = unit == "km" ? $"{value} km in miles?" : $"{value} kg in pounds?";
        return ($"tool-{unit}", question, "convert", new JsonObject { ["value"] = value, ["unit"] = unit });
    }

    private static (string, string, string, JsonObject) Lookup(string name) =>
        ("tool-lookup", $"{name}: which play?", "lookup", new JsonObject { ["name"] = name });

    private static ToolFunction Function(string name, string description, string parameters) =>
        new(name, description, JsonDocument.Parse(parameters).RootElement.Clone());
}
