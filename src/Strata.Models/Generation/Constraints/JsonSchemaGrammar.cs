using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Strata.Models.Generation.Constraints;

/// <summary>
/// A JSON Schema as a grammar whose every sentence is a JSON document valid against it: what OpenAI's
/// <c>json_schema</c> response format and tool-call arguments are enforced with. The subset:
/// <list type="bullet">
/// <item><c>type</c> (one or several), <c>enum</c>, <c>const</c>, <c>anyOf</c>, <c>allOf</c> of one, <c>$ref</c> into <c>$defs</c>/<c>definitions</c> (recursion allowed);</item>
/// <item>objects: <c>properties</c> (written in the schema's order), <c>required</c>, <c>additionalProperties</c> (false, or a map's value schema when there are no properties);</item>
/// <item>arrays: <c>items</c>, <c>minItems</c>, <c>maxItems</c>; strings: <c>minLength</c>, <c>maxLength</c>, <c>pattern</c>, <c>format</c> (date, time, date-time, uuid, email, ipv4);</item>
/// <item>integers: <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>, <c>exclusiveMaximum</c>; numbers: <c>minimum: 0</c>.</item>
/// </list>
/// Annotations (title, description, default, examples, …) are ignored; any other keyword is refused with its path, never
/// silently dropped. Where the schema allows more than the grammar writes (extra properties beside declared ones,
/// optional properties in another order) the output is a valid subset, as llama.cpp's and vLLM's compilers do.
/// </summary>
public static class JsonSchemaGrammar
{
    /// <summary>The largest bounded count (length, items) unrolled into the grammar.</summary>
    public const int MaxCount = 10_000;

    private static readonly HashSet<string> Annotations =
        ["title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions"];

    private static readonly HashSet<string> Understood =
        ["type", "enum", "const", "anyOf", "allOf", "$ref", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
         "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];

    private const string DatePattern = @"\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))";
    private const string TimePattern = @"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)";
    private const string OctetPattern = @"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)";
    private const string LabelPattern = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";

    private static readonly Dictionary<string, string> Formats = new()
    {
        ["date"] = DatePattern,
        ["time"] = TimePattern,
        ["date-time"] = DatePattern + "T" + TimePattern,
        ["uuid"] = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        ["email"] = $@"[a-zA-Z0-9_%+-]+(?:\.[a-zA-Z0-9_%+-]+)*@(?:{LabelPattern}\.)+{LabelPattern}",
        ["ipv4"] = $@"(?:{OctetPattern}\.){{3}}{OctetPattern}",
    };

    private static readonly ConcurrentDictionary<string, GrammarConstraint> Constraints = new();

    /// <summary>A constraint for <paramref name="schema"/>, shared by every request sending the same schema text (so its masks are computed once).</summary>
    /// <exception cref="UnsupportedConstraintException">The schema uses something that cannot be enforced; its path names it.</exception>
    public static GrammarConstraint Constraint(JsonElement schema)
    {
        string key = schema.GetRawText();
        if (Constraints.TryGetValue(key, out var constraint)) return constraint;
        constraint = new GrammarConstraint(Compile(schema));
        // Each compiled schema holds its masks (up to MaskCache.MaxMasks per vocabulary): a few dozen schemas stay warm.
        if (Constraints.Count >= 32) Constraints.Clear();
        return Constraints[key] = constraint;
    }

    public static Grammar Compile(JsonElement schema)
    {
        var builder = new GrammarBuilder();
        var compiler = new Compiler(builder, schema);
        var root = compiler.Part(schema, "");
        try
        {
            return builder.Build(GrammarPart.Sequence(root, compiler.Whitespace));
        }
        catch (GrammarTooLargeException e)
        {
            throw new UnsupportedConstraintException($"the schema is too large to enforce: {e.Message}", "");
        }
    }

    /// <summary>
    /// The part for one schema inside a larger grammar (a tool call's arguments), and the whitespace part it uses;
    /// <c>$ref</c>s resolve against <paramref name="schema"/> itself.
    /// </summary>
    public static (GrammarPart Value, GrammarPart Whitespace) Part(GrammarBuilder builder, JsonElement schema)
    {
        var compiler = new Compiler(builder, schema);
        return (compiler.Part(schema, ""), compiler.Whitespace);
    }

    /// <summary>A JSON value written compactly, as a grammar literal (enum members, const, property names).</summary>
    internal static string Serialize(JsonElement value) => JsonSerializer.Serialize(value, CompactJson);

    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    private sealed class Compiler
    {
        private readonly GrammarBuilder builder;
        private readonly JsonElement root;
        private readonly Dictionary<string, RulePart> references = [];
        private RulePart? anyValue;

        public Compiler(GrammarBuilder builder, JsonElement root)
        {
            this.builder = builder;
            this.root = root;
            // ws ::= ("" | " " | "\n" [ \t]{0,16}): compact, spaced or pretty-printed, never unbounded.
            Whitespace = GrammarPart.Optional(GrammarPart.Choice(GrammarPart.Literal(" "),
                GrammarPart.Sequence(GrammarPart.Literal("\n"), GrammarPart.Repeat(GrammarPart.Chars(CodePointSet.Chars(" \t")), 0, 16))));
            var hex = GrammarPart.Chars(CodePointSet.Of(('0', '9'), ('a', 'f'), ('A', 'F')));
            var hexNotD = GrammarPart.Chars(CodePointSet.Of(('0', '9'), ('a', 'c'), ('A', 'C'), ('e', 'f'), ('E', 'F')));
            // \uXXXX of anything but a surrogate, so every escape is one character (for lengths) and valid on its own.
            var unicodeEscape = GrammarPart.Sequence(GrammarPart.Literal("u"), GrammarPart.Choice(
                GrammarPart.Sequence(hexNotD, hex, hex, hex),
                GrammarPart.Sequence(GrammarPart.Chars(CodePointSet.Chars("dD")), GrammarPart.Chars(CodePointSet.Of(('0', '7'))), hex, hex)));
            StringChar = GrammarPart.Choice(
                GrammarPart.Chars(CodePointSet.Any.Minus(CodePointSet.Of((0, 0x1F), ('"', '"'), ('\\', '\\')))),
                GrammarPart.Sequence(GrammarPart.Literal("\\"), GrammarPart.Choice(GrammarPart.Chars(CodePointSet.Chars("\"\\/bfnrt")), unicodeEscape)));
        }

        public GrammarPart Whitespace { get; }

        private GrammarPart StringChar { get; }

        private static GrammarPart Digits(int min, int max) => GrammarPart.Repeat(GrammarPart.Chars(CodePointSet.Of(('0', '9'))), min, max);

        private static GrammarPart NonNegativeInteger =>
            GrammarPart.Choice(GrammarPart.Literal("0"), GrammarPart.Sequence(GrammarPart.Chars(CodePointSet.Of(('1', '9'))), Digits(0, 15)));

        private static GrammarPart NumberPart(bool negative) => GrammarPart.Sequence(
            negative ? GrammarPart.Optional(GrammarPart.Literal("-")) : GrammarPart.Empty,
            NonNegativeInteger,
            GrammarPart.Optional(GrammarPart.Sequence(GrammarPart.Literal("."), Digits(1, 15))),
            GrammarPart.Optional(GrammarPart.Sequence(GrammarPart.Chars(CodePointSet.Chars("eE")), GrammarPart.Optional(GrammarPart.Chars(CodePointSet.Chars("+-"))), Digits(1, 3))));

        private GrammarPart StringOf(GrammarPart content) => GrammarPart.Sequence(GrammarPart.Literal("\""), content, GrammarPart.Literal("\""));

        /// <summary>Any JSON value: one recursive rule, built on first use.</summary>
        private RulePart AnyValue()
        {
            if (anyValue is not null) return anyValue;
            anyValue = builder.Declare();
            var key = StringOf(GrammarPart.Repeat(StringChar, 0, null));
            var member = GrammarPart.Sequence(key, Whitespace, GrammarPart.Literal(":"), Whitespace, anyValue);
            var obj = Container("{", "}", member);
            var array = Container("[", "]", anyValue);
            builder.Define(anyValue, GrammarPart.Choice(obj, array, key, NumberPart(true), GrammarPart.Literal("true"), GrammarPart.Literal("false"), GrammarPart.Literal("null")));
            return anyValue;
        }

        /// <summary>open ws ( item (ws "," ws item){min-1,max-1} ws )? close — items as the count allows.</summary>
        private GrammarPart Container(string open, string close, GrammarPart item, int min = 0, int? max = null)
        {
            if (max == 0) return GrammarPart.Sequence(GrammarPart.Literal(open), Whitespace, GrammarPart.Literal(close));
            var more = GrammarPart.Repeat(GrammarPart.Sequence(Whitespace, GrammarPart.Literal(","), Whitespace, item), Math.Max(0, min - 1), max - 1);
            var items = GrammarPart.Sequence(item, more, Whitespace);
            return GrammarPart.Sequence(GrammarPart.Literal(open), Whitespace, min == 0 ? GrammarPart.Optional(items) : items, GrammarPart.Literal(close));
        }

        private static UnsupportedConstraintException Unsupported(string path, string message) =>
            new($"{(path.Length == 0 ? "the schema" : path)}: {message}", path);

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        public GrammarPart Part(JsonElement schema, string path)
        {
            if (schema.ValueKind == JsonValueKind.True) return AnyValue();
            if (schema.ValueKind == JsonValueKind.False) throw Unsupported(path, "the schema false accepts nothing");
            if (schema.ValueKind != JsonValueKind.Object) throw Unsupported(path, "a schema must be an object or a boolean");
            foreach (var property in schema.EnumerateObject())
            {
                if (!Annotations.Contains(property.Name) && !Understood.Contains(property.Name))
                    throw Unsupported(Join(path, property.Name), $"the keyword '{property.Name}' is not supported by constrained decoding");
            }
            if (schema.TryGetProperty("$ref", out var reference)) return Only(schema, path, "$ref", Reference(reference, Join(path, "$ref")));
            if (schema.TryGetProperty("anyOf", out var anyOf))
            {
                var options = NonEmptyArray(anyOf, Join(path, "anyOf")).Select((option, i) => Part(option, $"{Join(path, "anyOf")}[{i}]")).ToArray();
                return Only(schema, path, "anyOf", GrammarPart.Choice(options));
            }
            if (schema.TryGetProperty("allOf", out var allOf))
            {
                var all = NonEmptyArray(allOf, Join(path, "allOf"));
                if (all.Count != 1) throw Unsupported(Join(path, "allOf"), "allOf with more than one schema is not supported");
                return Only(schema, path, "allOf", Part(all[0], $"{Join(path, "allOf")}[0]"));
            }
            if (schema.TryGetProperty("const", out var constant)) return GrammarPart.Literal(Serialize(constant));
            if (schema.TryGetProperty("enum", out var members))
                return GrammarPart.Choice(NonEmptyArray(members, Join(path, "enum")).Select(m => GrammarPart.Literal(Serialize(m))).ToArray());
            var types = Types(schema, path);
            return GrammarPart.Choice(types.Select(type => Typed(schema, path, type)).ToArray());
        }

        /// <summary>A combinator (anyOf, allOf, $ref) with sibling constraints would have to intersect them; refused instead.</summary>
        private static GrammarPart Only(JsonElement schema, string path, string keyword, GrammarPart part)
        {
            foreach (var property in schema.EnumerateObject())
            {
                if (property.Name != keyword && !Annotations.Contains(property.Name))
                    throw Unsupported(Join(path, property.Name), $"'{property.Name}' beside '{keyword}' is not supported");
            }
            return part;
        }

        private static List<JsonElement> NonEmptyArray(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0) throw Unsupported(path, "must be a non-empty array");
            return [.. value.EnumerateArray()];
        }

        private static List<string> Types(JsonElement schema, string path)
        {
            if (schema.TryGetProperty("type", out var type))
            {
                var names = type.ValueKind switch
                {
                    JsonValueKind.String => [type.GetString()!],
                    JsonValueKind.Array when type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) =>
                        type.EnumerateArray().Select(t => t.GetString()!).ToList(),
                    _ => throw Unsupported(Join(path, "type"), "type must be a type name or a non-empty array of them"),
                };
                foreach (string name in names)
                {
                    if (name is not ("object" or "array" or "string" or "number" or "integer" or "boolean" or "null"))
                        throw Unsupported(Join(path, "type"), $"unknown type '{name}'");
                }
                return names;
            }
            // No type: what the keywords imply, else any value.
            if (schema.TryGetProperty("properties", out _) || schema.TryGetProperty("additionalProperties", out _) || schema.TryGetProperty("required", out _)) return ["object"];
            if (schema.TryGetProperty("items", out _) || schema.TryGetProperty("minItems", out _) || schema.TryGetProperty("maxItems", out _)) return ["array"];
            if (schema.TryGetProperty("pattern", out _) || schema.TryGetProperty("format", out _) || schema.TryGetProperty("minLength", out _) || schema.TryGetProperty("maxLength", out _)) return ["string"];
            if (schema.TryGetProperty("minimum", out _) || schema.TryGetProperty("maximum", out _) || schema.TryGetProperty("exclusiveMinimum", out _) || schema.TryGetProperty("exclusiveMaximum", out _)) return ["number"];
            return ["any"];
        }

        private GrammarPart Typed(JsonElement schema, string path, string type) => type switch
        {
            "any" => AnyValue(),
            "null" => GrammarPart.Literal("null"),
            "boolean" => GrammarPart.Choice(GrammarPart.Literal("true"), GrammarPart.Literal("false")),
            "string" => StringPart(schema, path),
            "integer" => IntegerPart(schema, path),
            "number" => Number(schema, path),
            "array" => ArrayPart(schema, path),
            _ => ObjectPart(schema, path),
        };

        private GrammarPart Reference(JsonElement reference, string path)
        {
            string target = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : throw Unsupported(path, "$ref must be a string");
            if (references.TryGetValue(target, out var rule)) return rule;
            JsonElement resolved;
            if (target == "#") resolved = root;
            else if ((target.StartsWith("#/$defs/", StringComparison.Ordinal) || target.StartsWith("#/definitions/", StringComparison.Ordinal))
                     && root.TryGetProperty(target[2..target.IndexOf('/', 2)], out var definitions)
                     && definitions.ValueKind == JsonValueKind.Object
                     && definitions.TryGetProperty(Uri.UnescapeDataString(target[(target.IndexOf('/', 2) + 1)..]).Replace("~1", "/").Replace("~0", "~"), out var definition))
                resolved = definition;
            else throw Unsupported(path, $"$ref '{target}' must point into this schema's $defs or definitions");
            // Declared before it is compiled, so a definition may refer to itself.
            rule = builder.Declare();
            references[target] = rule;
            builder.Define(rule, Part(resolved, target[2..].Replace('/', '.')));
            return rule;
        }

        private GrammarPart StringPart(JsonElement schema, string path)
        {
            int min = Count(schema, "minLength", path) ?? 0;
            int? max = Count(schema, "maxLength", path);
            bool hasPattern = schema.TryGetProperty("pattern", out var pattern), hasFormat = schema.TryGetProperty("format", out var format);
            if (hasPattern && hasFormat) throw Unsupported(Join(path, "format"), "format beside pattern is not supported");
            if ((hasPattern || hasFormat) && (min > 0 || max is not null))
                throw Unsupported(Join(path, min > 0 ? "minLength" : "maxLength"), "lengths beside a pattern or format are not supported");
            if (max < min) throw Unsupported(Join(path, "maxLength"), "maxLength is below minLength");
            if (hasFormat)
            {
                string name = format.ValueKind == JsonValueKind.String ? format.GetString()! : "";
                if (!Formats.TryGetValue(name, out string? formatPattern))
                    throw Unsupported(Join(path, "format"), $"format '{name}' is not supported (supported: {string.Join(", ", Formats.Keys)})");
                return StringOf(JsonEscaped(RegexGrammar.Parse(formatPattern)));
            }
            if (hasPattern)
            {
                if (pattern.ValueKind != JsonValueKind.String) throw Unsupported(Join(path, "pattern"), "pattern must be a string");
                try
                {
                    return StringOf(JsonEscaped(RegexGrammar.Parse(pattern.GetString()!)));
                }
                catch (UnsupportedConstraintException e)
                {
                    throw Unsupported(Join(path, "pattern"), e.Message);
                }
            }
            return StringOf(GrammarPart.Repeat(StringChar, min, max));
        }

        /// <summary>Characters of a pattern as they are written inside a JSON string: quotes, backslashes and control characters escaped.</summary>
        private static GrammarPart JsonEscaped(GrammarPart part) => part switch
        {
            CharsPart chars => EscapedChars(chars.Set),
            SequencePart sequence => new SequencePart(sequence.Parts.Select(JsonEscaped).ToArray()),
            ChoicePart choice => new ChoicePart(choice.Options.Select(JsonEscaped).ToArray()),
            RepeatPart repeat => repeat with { Body = JsonEscaped(repeat.Body) },
            _ => part,
        };

        private static GrammarPart EscapedChars(CodePointSet set)
        {
            var special = CodePointSet.Of((0, 0x1F), ('"', '"'), ('\\', '\\'));
            var options = new List<GrammarPart>();
            var plain = set.Minus(special);
            if (!plain.IsEmpty) options.Add(GrammarPart.Chars(plain));
            foreach (var (low, high) in set.Intersect(special).Ranges)
            {
                for (int c = low; c <= high; c++)
                {
                    options.Add(GrammarPart.Literal(c switch
                    {
                        '"' => "\\\"",
                        '\\' => "\\\\",
                        '\n' => "\\n",
                        '\t' => "\\t",
                        '\r' => "\\r",
                        '\b' => "\\b",
                        '\f' => "\\f",
                        _ => $"\\u{c:x4}",
                    }));
                }
            }
            return GrammarPart.Choice([.. options]);
        }

        private static int? Count(JsonElement schema, string keyword, string path)
        {
            if (!schema.TryGetProperty(keyword, out var value)) return null;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int count) || count < 0)
                throw Unsupported(Join(path, keyword), $"{keyword} must be a non-negative integer");
            if (count > MaxCount) throw Unsupported(Join(path, keyword), $"{keyword} above {MaxCount:N0} is not supported");
            return count;
        }

        private static decimal? Bound(JsonElement schema, string keyword, string path)
        {
            if (!schema.TryGetProperty(keyword, out var value)) return null;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out decimal bound)) throw Unsupported(Join(path, keyword), $"{keyword} must be a number");
            return bound;
        }

        private static GrammarPart Number(JsonElement schema, string path)
        {
            decimal? minimum = Bound(schema, "minimum", path);
            foreach (string keyword in new[] { "maximum", "exclusiveMinimum", "exclusiveMaximum" })
            {
                if (schema.TryGetProperty(keyword, out _)) throw Unsupported(Join(path, keyword), $"{keyword} on numbers is not supported (it is on integers)");
            }
            if (minimum is null) return NumberPart(negative: true);
            if (minimum != 0) throw Unsupported(Join(path, "minimum"), "on numbers only minimum 0 is supported (any bound is, on integers)");
            return NumberPart(negative: false);
        }

        private static GrammarPart IntegerPart(JsonElement schema, string path)
        {
            decimal? low = Bound(schema, "minimum", path), high = Bound(schema, "maximum", path);
            if (Bound(schema, "exclusiveMinimum", path) is decimal exclusiveLow) low = Math.Max(low ?? decimal.MinValue, Math.Floor(exclusiveLow) + 1);
            if (Bound(schema, "exclusiveMaximum", path) is decimal exclusiveHigh) high = Math.Min(high ?? decimal.MaxValue, Math.Ceiling(exclusiveHigh) - 1);
            long? min = low is decimal l ? (long)Math.Clamp(Math.Ceiling(l), -999_999_999_999_999, 999_999_999_999_999) : null;
            long? max = high is decimal h ? (long)Math.Clamp(Math.Floor(h), -999_999_999_999_999, 999_999_999_999_999) : null;
            if (min > max) throw Unsupported(Join(path, "maximum"), "no integer lies between the bounds");
            return IntegerRange.Part(min, max);
        }

        private GrammarPart ArrayPart(JsonElement schema, string path)
        {
            var item = schema.TryGetProperty("items", out var items) ? Part(items, Join(path, "items")) : AnyValue();
            int min = Count(schema, "minItems", path) ?? 0;
            int? max = Count(schema, "maxItems", path);
            if (max < min) throw Unsupported(Join(path, "maxItems"), "maxItems is below minItems");
            return Container("[", "]", item, min, max);
        }

        private GrammarPart ObjectPart(JsonElement schema, string path)
        {
            var declared = new List<(string Name, GrammarPart Value)>();
            if (schema.TryGetProperty("properties", out var properties))
            {
                if (properties.ValueKind != JsonValueKind.Object) throw Unsupported(Join(path, "properties"), "properties must be an object");
                foreach (var property in properties.EnumerateObject())
                    declared.Add((property.Name, Part(property.Value, Join(Join(path, "properties"), property.Name))));
            }
            var required = new HashSet<string>();
            if (schema.TryGetProperty("required", out var names))
            {
                if (names.ValueKind != JsonValueKind.Array || names.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
                    throw Unsupported(Join(path, "required"), "required must be an array of property names");
                foreach (var name in names.EnumerateArray())
                {
                    if (!declared.Any(p => p.Name == name.GetString())) throw Unsupported(Join(path, "required"), $"required property '{name.GetString()}' is not among the properties");
                    required.Add(name.GetString()!);
                }
            }
            GrammarPart Member(string name, GrammarPart value) =>
                GrammarPart.Sequence(GrammarPart.Literal(Serialize(JsonSerializer.SerializeToElement(name))), Whitespace, GrammarPart.Literal(":"), Whitespace, value);
            if (declared.Count == 0)
            {
                // No properties: a map whose values follow additionalProperties (any value when absent or true; {} when false).
                var additional = schema.TryGetProperty("additionalProperties", out var extra) ? extra : default;
                if (additional.ValueKind == JsonValueKind.False) return Container("{", "}", GrammarPart.Empty, 0, 0);
                var value = additional.ValueKind is JsonValueKind.Undefined or JsonValueKind.True ? AnyValue() : Part(additional, Join(path, "additionalProperties"));
                var key = StringOf(GrammarPart.Repeat(StringChar, 0, null));
                return Container("{", "}", GrammarPart.Sequence(key, Whitespace, GrammarPart.Literal(":"), Whitespace, value));
            }
            if (schema.TryGetProperty("additionalProperties", out var additionalSchema) && additionalSchema.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                Part(additionalSchema, Join(path, "additionalProperties")); // checked for support; declared properties alone are written
            // Members in the schema's order; S(i, first) writes members i.. and a comma before each but the first written.
            var memo = new Dictionary<(int, bool), GrammarPart>();
            GrammarPart From(int i, bool first)
            {
                if (i == declared.Count) return GrammarPart.Empty;
                if (memo.TryGetValue((i, first), out var known)) return known;
                var (name, value) = declared[i];
                var written = GrammarPart.Sequence(first ? GrammarPart.Empty : GrammarPart.Sequence(Whitespace, GrammarPart.Literal(","), Whitespace), Member(name, value), From(i + 1, false));
                var part = required.Contains(name) ? written : GrammarPart.Choice(written, From(i + 1, first));
                return memo[(i, first)] = part;
            }
            return GrammarPart.Sequence(GrammarPart.Literal("{"), Whitespace, From(0, true), Whitespace, GrammarPart.Literal("}"));
        }
    }
}

/// <summary>The decimal integers between two bounds, as a grammar: the classic digit-by-digit split into ranges of equal length.</summary>
internal static class IntegerRange
{
    public static GrammarPart Part(long? min, long? max)
    {
        var options = new List<GrammarPart>();
        // Negative side: -x for x in [max(1, -max), -min].
        if (min is null || min < 0)
        {
            long? absoluteLow = max is long top && top < 0 ? -top : 1;
            long? absoluteHigh = min is long bottom ? -bottom : null;
            options.Add(GrammarPart.Sequence(GrammarPart.Literal("-"), NonNegative(absoluteLow!.Value, absoluteHigh)));
        }
        if (max is null || max >= 0) options.Add(NonNegative(Math.Max(0, min ?? 0), max));
        return GrammarPart.Choice([.. options]);
    }

    private static GrammarPart Digit(char low, char high) => GrammarPart.Chars(CodePointSet.Of((low, high)));

    /// <summary>[low, high] (high null: unbounded) over non-negative integers written without leading zeros.</summary>
    private static GrammarPart NonNegative(long low, long? high)
    {
        var options = new List<GrammarPart>();
        string lowText = low.ToString(CultureInfo.InvariantCulture);
        if (high is null)
        {
            // Up to the largest number of low's length, then anything longer (to 18 digits, as JSON parsers keep them exactly).
            options.Add(SameLength(lowText, new string('9', lowText.Length)));
            if (lowText.Length < 18) options.Add(GrammarPart.Sequence(Digit('1', '9'), GrammarPart.Repeat(Digit('0', '9'), lowText.Length, 17)));
            return GrammarPart.Choice([.. options]);
        }
        string highText = high.Value.ToString(CultureInfo.InvariantCulture);
        for (int length = lowText.Length; length <= highText.Length; length++)
        {
            string from = length == lowText.Length ? lowText : "1" + new string('0', length - 1);
            string to = length == highText.Length ? highText : new string('9', length);
            options.Add(SameLength(from, to));
        }
        return GrammarPart.Choice([.. options]);
    }

    /// <summary>The numbers from <paramref name="low"/> to <paramref name="high"/>, both written with the same number of digits.</summary>
    private static GrammarPart SameLength(string low, string high)
    {
        if (low.Length == 0) return GrammarPart.Empty;
        if (low[0] == high[0]) return GrammarPart.Sequence(Digit(low[0], low[0]), SameLength(low[1..], high[1..]));
        var options = new List<GrammarPart>
        {
            GrammarPart.Sequence(Digit(low[0], low[0]), SameLength(low[1..], new string('9', low.Length - 1))),
        };
        if (high[0] - low[0] > 1)
            options.Add(GrammarPart.Sequence(Digit((char)(low[0] + 1), (char)(high[0] - 1)), GrammarPart.Repeat(Digit('0', '9'), low.Length - 1, low.Length - 1)));
        options.Add(GrammarPart.Sequence(Digit(high[0], high[0]), SameLength(new string('0', high.Length - 1), high[1..])));
        return GrammarPart.Choice([.. options]);
    }
}
