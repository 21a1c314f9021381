using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Generation.Constraints;
using static Strata.Models.Tests.Generation.StructuredOutputReference;

namespace Strata.Models.Tests.Generation;

/// <summary>
/// Grammars from JSON Schemas and regular expressions: the recognizer agrees with JavaScript's RegExp and with plain
/// arithmetic, unsupported keywords are named, and random schemas and patterns decoded by a random model over a real
/// byte-level vocabulary produce only outputs that ajv / RegExp accept.
/// </summary>
public class GrammarConstraintTests
{
    private static Grammar Schema(string json) => JsonSchemaGrammar.Compile(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void IntegerBoundsAcceptExactlyTheIntegersBetweenThem()
    {
        foreach (var (min, max) in new (long?, long?)[] { (-25, 130), (0, 9), (7, 7), (10, 1000), (-1000, -10), (null, 42), (-5, null), (null, -3), (99, null) })
        {
            var schema = new JsonObject { ["type"] = "integer" };
            if (min is not null) schema["minimum"] = min;
            if (max is not null) schema["maximum"] = max;
            var grammar = Schema(schema.ToJsonString());
            for (long n = -1200; n <= 1200; n++)
            {
                bool inside = (min is null || n >= min) && (max is null || n <= max);
                Assert.True(inside == Accepts(grammar, n.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{n} in [{min}, {max}]");
            }
            Assert.False(Accepts(grammar, "007"));
            Assert.False(Accepts(grammar, "-0"));
        }
        var exclusive = Schema("""{"type": "integer", "exclusiveMinimum": 2, "exclusiveMaximum": 5.5}""");
        Assert.Equal(["3", "4", "5"], Enumerable.Range(-10, 30).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Where(n => Accepts(exclusive, n)));
    }

    [Fact]
    public void PatternsMatchWhatJavaScriptsRegExpMatches()
    {
        string[] patterns =
        [
            @"^[A-Z]{2}-\d{3,5}$", "a(b|cd)*e?", @"(?:foo|ba[rz])+\.txt", @"[^aeiou\s]{1,4}", @"\w+@\w+\.(com|org)", "colou?r",
            @"x{2,}y", @"[\-+]?\d+(\.\d+)?", @"\S\s\S", "(?<word>[a-c])[d-f]", @"\(\)\[\]\{\}", "é[ü-ÿ]日本?", @"\u0041\x42.",
        ];
        string[] seeds = ["AB-123", "AB-12345", "ab-123", "abcdcde", "ae", "foo.txt", "barbaz.txt", "bqx", "b q", "ab_1@x.com", "color", "colour", "xxxy", "xy",
            "-12.5", "+7", "1.", "a b", "ad", "cf", "()[]{}", "éü日本", "éÿ日", "AB\n", "ABz", ""];
        var random = new Random(3);
        var cases = new List<(string Pattern, string Text)>();
        foreach (string pattern in patterns)
        {
            foreach (string seed in seeds)
            {
                cases.Add((pattern, seed));
                // Mutations: a character dropped, doubled or replaced.
                if (seed.Length == 0) continue;
                int at = random.Next(seed.Length);
                cases.Add((pattern, seed.Remove(at, 1)));
                cases.Add((pattern, seed.Insert(at, seed[at].ToString())));
                cases.Add((pattern, seed.Remove(at, 1).Insert(at, "a1-. x"[random.Next(6)].ToString())));
            }
        }
        var verdicts = Check(cases.Select(c => ((JsonNode?)null, (string?)c.Pattern, c.Text)));
        int matched = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            var (pattern, text) = cases[i];
            bool expected = verdicts[i] is null;
            Assert.True(expected == Accepts(RegexGrammar.Compile(pattern), text), $"/{pattern}/ on '{text}': RegExp says {expected}");
            if (expected) matched++;
        }
        Assert.InRange(matched, 20, cases.Count - 100); // both outcomes were exercised
    }

    [Theory]
    [InlineData("""{"type": "object", "properties": {"age": {"type": "integer", "multipleOf": 2}}}""", "properties.age.multipleOf")]
    [InlineData("""{"type": "object", "patternProperties": {"^x": {}}}""", "patternProperties")]
    [InlineData("""{"type": "string", "format": "hostname"}""", "format")]
    [InlineData("""{"type": "string", "pattern": "(a)\\1"}""", "pattern")]
    [InlineData("""{"type": "string", "pattern": "(?=a)a"}""", "pattern")]
    [InlineData("""{"type": "array", "items": {"oneOf": [{"type": "string"}]}}""", "items.oneOf")]
    [InlineData("""{"type": "number", "maximum": 3}""", "maximum")]
    [InlineData("""{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}""", "required")]
    [InlineData("""{"$ref": "https://example.com/schema"}""", "$ref")]
    [InlineData("""{"type": "strings"}""", "type")]
    [InlineData("""{"anyOf": [{"type": "string"}], "minLength": 2}""", "minLength")]
    public void UnsupportedKeywordsAreNamedByPath(string schema, string path)
    {
        var error = Assert.Throws<UnsupportedConstraintException>(() => Schema(schema));
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void ObjectsWriteRequiredAndOptionalPropertiesInOrderAndNothingElse()
    {
        var grammar = Schema("""
            {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}, "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2}},
             "required": ["name"], "additionalProperties": false}
            """);
        Assert.True(Accepts(grammar, """{"name": "Ada"}"""));
        Assert.True(Accepts(grammar, """{"name":"Ada","age":36,"tags":["a","b"]}"""));
        Assert.True(Accepts(grammar, "{\n  \"name\": \"Ada\",\n  \"tags\": []\n}"));
        Assert.False(Accepts(grammar, """{"age": 36}"""));               // name is required
        Assert.False(Accepts(grammar, """{"name": "Ada", "x": 1}"""));   // no other properties
        Assert.False(Accepts(grammar, """{"name": "Ada", "age": -1}""")); // minimum 0
        Assert.False(Accepts(grammar, """{"name": "Ada", "tags": ["a", "b", "a"]}"""));
        Assert.False(Accepts(grammar, """{"name": "Ada", "tags": ["c"]}"""));
    }

    [Fact]
    public void RecursiveDefinitionsAndPatternsInsideStringsAreEnforced()
    {
        var tree = Schema("""
            {"$defs": {"node": {"type": "object", "properties": {"v": {"type": "string", "pattern": "^[a-z\"]+$"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["v"]}},
             "$ref": "#/$defs/node"}
            """);
        Assert.True(Accepts(tree, """{"v": "a\"b", "kids": [{"v": "c", "kids": [{"v": "d"}]}]}"""));
        Assert.False(Accepts(tree, """{"v": "a", "kids": [{"v": "C"}]}"""));
        Assert.False(Accepts(tree, """{"v": "a"b"}"""));
    }

    /// <summary>A random schema within the supported subset, every string and array bounded so a random model can finish.</summary>
    internal static JsonObject RandomSchema(Random random, int depth = 0)
    {
        int kind = random.Next(depth >= 2 ? 9 : 12);
        JsonObject Str()
        {
            var s = new JsonObject { ["type"] = "string" };
            switch (random.Next(4))
            {
                case 0: s["maxLength"] = random.Next(2, 10); if (random.Next(2) == 0) s["minLength"] = random.Next(0, 3); break;
                case 1: s["format"] = new[] { "date", "time", "date-time", "uuid", "email", "ipv4" }[random.Next(6)]; break;
                case 2: s["pattern"] = RandomPattern(random, bounded: true); break;
                default: s["enum"] = new JsonArray("red", "green", "blue \"sky\"", "日本"); s.Remove("type"); break;
            }
            return s;
        }
        switch (kind)
        {
            case 0: case 1: return Str();
            case 2:
                {
                    var s = new JsonObject { ["type"] = "integer" };
                    if (random.Next(2) == 0) s["minimum"] = random.Next(-50, 50);
                    if (random.Next(2) == 0) s["maximum"] = random.Next(50, 5000);
                    return s;
                }
            case 3: return random.Next(2) == 0 ? new JsonObject { ["type"] = "number" } : new JsonObject { ["type"] = "number", ["minimum"] = 0 };
            case 4: return new JsonObject { ["type"] = "boolean" };
            case 5: return new JsonObject { ["type"] = new JsonArray("integer", "null"), ["maximum"] = 99 };
            case 6: return new JsonObject { ["const"] = "fixed" };
            case 7: return new JsonObject { ["anyOf"] = new JsonArray(Str(), new JsonObject { ["type"] = "null" }) };
            case 8: return new JsonObject { ["enum"] = new JsonArray(1, "two", null, true) };
            case 9:
            case 10:
                {
                    var properties = new JsonObject();
                    var required = new JsonArray();
                    int count = random.Next(1, 5);
                    for (int i = 0; i < count; i++)
                    {
                        string name = new[] { "id", "name", "when", "tags", "x y", "naïve", "q\"uote" }[random.Next(7)] + i;
                        properties[name] = RandomSchema(random, depth + 1);
                        if (random.Next(2) == 0) required.Add(name);
                    }
                    var s = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };
                    if (random.Next(2) == 0) s["additionalProperties"] = false;
                    return s;
                }
            default:
                {
                    int min = random.Next(0, 3);
                    return new JsonObject { ["type"] = "array", ["items"] = RandomSchema(random, depth + 1), ["minItems"] = min, ["maxItems"] = min + random.Next(0, 3) };
                }
        }
    }

    /// <summary>A random pattern in the supported syntax; bounded ones have no unbounded repetition.</summary>
    internal static string RandomPattern(Random random, bool bounded, int depth = 0)
    {
        string Atom() => random.Next(depth >= 2 ? 8 : 10) switch
        {
            0 => "[a-f]",
            1 => @"\d",
            2 => "[^\"\\\\a-y]",
            3 => @"\w",
            4 => ".",
            5 => @"\.",
            6 => "é",
            7 => new[] { "x", "-", "Z", "\"", "/", " " }[random.Next(6)],
            8 => $"({RandomPattern(random, bounded, depth + 1)})",
            _ => $"(?:{RandomPattern(random, bounded, depth + 1)}|{RandomPattern(random, bounded, depth + 1)})",
        };
        string Quantifier() => random.Next(bounded ? 6 : 8) switch
        {
            0 => "?",
            1 => "{2}",
            2 => "{1,3}",
            3 => "{0,2}?",
            4 or 5 => "",
            6 => "*",
            _ => "+",
        };
        int length = random.Next(1, 4);
        return string.Concat(Enumerable.Range(0, length).Select(_ => Atom() + Quantifier()));
    }

    [Fact]
    public void AThousandRandomSchemasDecodedByARandomModelAllValidate()
    {
        var random = new Random(16);
        var outputs = new List<(JsonNode? Schema, string? Pattern, string Output)>();
        for (int i = 0; outputs.Count < 1000; i++)
        {
            Assert.True(i < 1100, $"only {outputs.Count} of {i} generations ended");
            var schema = RandomSchema(random);
            var constraint = JsonSchemaGrammar.Constraint(JsonDocument.Parse(schema.ToJsonString()).RootElement);
            if (RandomModel(constraint, seed: i) is string output) outputs.Add((schema, null, output));
        }
        var verdicts = Check(outputs);
        var failures = outputs.Zip(verdicts).Where(p => p.Second is not null).Select(p => $"{p.First.Schema!.ToJsonString()} → {p.First.Output}: {p.Second}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }

    [Fact]
    public void AThousandRandomPatternsDecodedByARandomModelAllMatch()
    {
        var random = new Random(17);
        var outputs = new List<(JsonNode? Schema, string? Pattern, string Output)>();
        for (int i = 0; outputs.Count < 1000; i++)
        {
            Assert.True(i < 1100, $"only {outputs.Count} of {i} generations ended");
            string pattern = RandomPattern(random, bounded: i % 2 == 0);
            if (RandomModel(new GrammarConstraint(RegexGrammar.Compile(pattern)), seed: i) is string output) outputs.Add((null, pattern, output));
        }
        var verdicts = Check(outputs);
        var failures = outputs.Zip(verdicts).Where(p => p.Second is not null).Select(p => $"/{p.First.Pattern}/ → '{p.First.Output}': {p.Second}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }
}
