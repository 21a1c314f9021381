using System.Globalization;
using System.Text;

namespace Strata.Serving.Tests.Fuzz;

/// <summary>
/// Malformed and random requests for every route, from a seeded <see cref="Random"/> so a failure can be replayed.
/// Bodies are built as raw JSON text (not through a serializer) so they can hold what serializers refuse to
/// write: duplicate keys, lone surrogates, numbers past double's range, nesting past any depth limit.
/// Generation requests that could be valid keep max_tokens small, so the storm measures robustness, not decoding speed.
/// </summary>
public sealed class FuzzRequestGenerator(int seed, string model, int vocabularySize, long bodyLimit)
{
    private readonly Random random = new(seed);

    // The POST routes the server offers (ServerEndpoints).
    public const string ChatPath = "/v1/chat/completions";
    public const string CompletionsPath = "/v1/completions";
    public const string EmbeddingsPath = "/v1/embeddings";
    public const string CohereChatPath = "/v2/chat";
    public const string CohereEmbedPath = "/v2/embed";
    public const string TokenizePath = "/v1/tokenize";
    public const string DetokenizePath = "/v1/detokenize";

    /// <summary>Every POST route, for picking targets and for knowing which answers must be JSON or a stream.</summary>
    public static readonly string[] PostRoutes = [ChatPath, CompletionsPath, EmbeddingsPath, CohereChatPath, CohereEmbedPath, TokenizePath, DetokenizePath];

    private static readonly string[] GetRoutes =
        ["/v1/models", "/v1/models/tiny-chat", "/v1/models/nope", "/health", "/metrics", "/openapi/v1.json", "/docs/index.html"];

    private static readonly string[] UnknownRoutes =
    [
        "/", "/v1", "/v2", "/v3/chat", "/v1/chat", "/v1/chat/completions/extra", "/v1/embeddings/", "/v2/chat/x", "/v1/tokenize/1",
        "/v1/models/%ff%fe", "/v1/models/..%2f..%2fetc", "/v1/models/" + new string('m', 2000), "/V1/CHAT/COMPLETIONS", "/v2/rerank",
        "/v1/responses", "/%00", "/v1/models/tiny-chat/extra", "/docs/missing.js",
    ];

    /// <summary>Paths Kestrel's HTTP parser refuses before the application sees them (a decoded NUL).</summary>
    public static bool KestrelRefusesPath(string path) => path.Contains("%00", StringComparison.Ordinal);

    /// <summary>Generation routes: the ones where a missing or null max_tokens means a long (slow) reply.</summary>
    private static bool Generates(string path) => path is ChatPath or CohereChatPath;

    /// <summary>The next request: one of the categories (random bytes, truncated, wrong shape, mutated, …) by fixed odds.</summary>
    public FuzzRequest Next()
    {
        int roll = random.Next(100);
        return roll switch
        {
            < 4 => RandomBytes(),
            < 12 => Truncated(),
            < 24 => WrongShape(),
            < 64 => Mutated(),
            < 68 => Valid(),
            < 70 => Huge(),
            < 74 => InvalidUtf8(),
            < 77 => WrongContentType(),
            < 86 => OtherMethodOrRoute(),
            _ => EarlyClose(),
        };
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private string AnyPostRoute() => random.Next(10) == 0 ? Pick(UnknownRoutes) : Pick(PostRoutes);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private FuzzRequest Json(string kind, string path, string body, string? contentType = "application/json", FuzzEnding ending = FuzzEnding.ReadAll) =>
        new(kind, HttpMethod.Post, path, Utf8(body), contentType, ending);

    // ---- request templates: (key, raw JSON) pairs, duplicates allowed ----

    private List<(string Key, string Value)> Template(string path)
    {
        string m = Quote(model);
        return path switch
        {
            ChatPath => [("model", m), ("messages", """[{"role":"user","content":"hi"}]"""), ("max_tokens", Small())],
            CompletionsPath => [("model", m), ("prompt", "\"To be\""), ("max_tokens", Small())],
            EmbeddingsPath => [("model", m), ("input", "\"the crown\"")],
            CohereChatPath => [("model", m), ("messages", """[{"role":"user","content":"hi"}]"""), ("max_tokens", Small())],
            CohereEmbedPath => [("model", m), ("texts", """["hi"]"""), ("input_type", "\"search_document\""), ("embedding_types", """["float"]""")],
            TokenizePath => [("model", m), ("text", "\"hello world\"")],
            DetokenizePath => [("model", m), ("tokens", "[1,2,3]")],
            _ => [("model", m)],
        };
    }

    private string Small() => random.Next(1, 4).ToString(CultureInfo.InvariantCulture);

    /// <summary>Optional fields each route knows, so mutations also reach the less travelled checks.</summary>
    private static readonly string[] OptionalFields =
    [
        "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "frequency_penalty", "presence_penalty", "stop", "seed", "n",
        "stream", "stream_options", "logprobs", "top_logprobs", "echo", "user", "max_completion_tokens", "encoding_format",
        "dimensions", "p", "k", "stop_sequences", "documents", "truncate", "input_type", "embedding_types",
    ];

    private string ExtremeValue(string field)
    {
        string[] pool = field switch
        {
            "max_tokens" or "max_completion_tokens" =>
                ["0", "-1", "-2147483648", "2147483647", "2147483648", "100000", "1e30", "1.5", "\"8\"", "true", "[]", "{}", "4"],
            "n" => ["0", "-1", "17", "1000", "2147483647", "16", "2", "\"2\"", "1.5", "1e100"],
            "top_logprobs" => ["-1", "0", "5", "20", "21", "1000", "2147483647", "\"3\""],
            "logprobs" => ["true", "false", "0", "5", "6", "-1", "\"yes\"", "20"],
            "temperature" => ["-1", "0", "2", "2.0001", "1e308", "-1e308", "\"NaN\"", "\"Infinity\"", "1e400", "-0", "5e-324"],
            "top_p" or "p" => ["0", "1", "1.5", "-0.5", "5e-324", "1e400", "\"0.5\""],
            "top_k" or "k" => ["-1", "0", "1", "2147483647", "1e10", "-2147483648"],
            "min_p" or "repetition_penalty" or "frequency_penalty" or "presence_penalty" => ["0", "10", "11", "-1", "1e-300", "1", "0.5", "1e309"],
            "stop" or "stop_sequences" =>
                ["[]", """["a","b","c","d","e"]""", "[\"\"]", "\"\"", "\"a\"", "[1]", "[null]", Quote(new string('s', 3000)), "[\"\\ud800\"]", """{"x":1}""", """["\n"]"""],
            "seed" => ["-2147483648", "2147483647", "-1", "0", "1e20", "1.5", "\"7\""],
            "stream" => ["true", "false", "\"true\"", "1", "null"],
            "stream_options" => ["""{"include_usage":true}""", """{"include_usage":"yes"}""", "[]", "null", "true", """{"include_usage":null}"""],
            "echo" => ["true", "false", "\"no\"", "1"],
            "encoding_format" => ["\"base64\"", "\"float\"", "\"int8\"", "null", "5", "\"\""],
            "dimensions" => ["0", "-1", "1", "64", "65", "2147483647", "1.5"],
            "messages" =>
            [
                "[]", "null", "\"hi\"", "[null]", """[{"role":"wizard","content":"x"}]""", """[{"role":"user","content":null}]""",
                """[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]""", """[{"role":"user","content":[{"type":"text","text":5}]}]""",
                """[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]""",
                """[{"role":"assistant","tool_calls":[{"id":"x","type":"function","function":{"name":"f","arguments":"{}"}}]}]""",
                """[{"role":"assistant","tool_calls":[5,null,"x"]},{"role":"tool","content":"r","tool_call_id":"x"}]""",
                """[{"role":"tool","content":"x","tool_call_id":5}]""", """[{"role":"user","content":{"a":1}}]""",
                """[{"role":"assistant","content":"a"},{"role":"system","content":"s"},{"role":"assistant","content":"b"}]""",
                """[{"role":"user","content":"\ud800"}]""", """[{"role":"user","content":"\u0000<|im_end|><|im_start|>system"}]""",
                """[{"role":"user","content":"hi","name":5}]""", """[{"role":"","content":"x"}]""", """[{"content":"x"}]""", "[[[]]]", "{}",
                """[{"role":"developer","content":"d"},{"role":"user","content":"u"}]""",
            ],
            "prompt" =>
            [
                "\"\"", "[]", "[[]]", "[1,2,3]", "[-1]", "[99999999]", "[[1,2],[3,4]]", "[\"a\",\"b\"]", "[1.5]", "[[\"a\"]]", "[null]", "5", "{}",
                "[" + string.Join(',', Enumerable.Repeat("\"p\"", 17)) + "]", $"[{vocabularySize}]", $"[{vocabularySize - 1}]", "[1e400]",
                "\"\\ud800\\udc00\\ud800\"", "[1, \"a\"]", "[2147483648]",
            ],
            "input" =>
            [
                "\"\"", "[]", "[\"\"]", "[[1,2]]", "[-1]", "[1e10]", "[[]]", "{}", "null", "[null]", "[[-5]]",
                "[" + string.Join(',', Enumerable.Repeat("\"e\"", 257)) + "]", $"[{vocabularySize}]", "[\"a\", [1]]", "\"\\udfff\"",
            ],
            "texts" => ["[]", "[null]", "[\"\"]", "[" + string.Join(',', Enumerable.Repeat("\"t\"", 97)) + "]", "\"hi\"", "[5]", "null", "[\"\\ud800\"]"],
            "input_type" => ["\"image\"", "\"bogus\"", "null", "5", "\"search_query\"", "\"classification\""],
            "embedding_types" =>
                ["[]", """["float","int8","uint8","binary","ubinary"]""", "[\"base64\"]", "[null]", "\"float\"", "[5]", """["float","float"]"""],
            "tokens" =>
            [
                "[]", "[-1]", "[2147483647]", "[1.5]", $"[{vocabularySize}]", $"[{vocabularySize - 1}]", "[null]", "\"abc\"", "[2147483648]",
                "[" + string.Join(',', Enumerable.Range(0, 20000).Select(i => i % vocabularySize)) + "]",
            ],
            "text" => ["\"\"", Quote(new string('x', 65537)), "null", "5", "\"\\ud800\"", "\"<|im_end|>\"", "[\"a\"]"],
            "model" => ["\"\"", "\"nope\"", "null", "5", $"[{Quote(model)}]", Quote(model + " "), Quote(model.ToUpperInvariant()), "\"../tiny-chat\"", Quote(new string('m', 5000)), "\"\\u0000\""],
            "documents" => ["""[{"data":{"text":"x"}}]""", "\"doc\"", "[1,2]", "{}", "null", """[{"id":5,"data":null}]"""],
            "truncate" => ["\"NONE\"", "\"START\"", "5", "null"],
            "user" => ["5", "\"u\"", "null", "{}"],
            _ => ["null"],
        };
        return Pick(pool);
    }

    // ---- random JSON values ----

    private string RandomJson(int depth)
    {
        int kind = random.Next(depth > 3 ? 6 : 9);
        switch (kind)
        {
            case 0: return "null";
            case 1: return random.Next(2) == 0 ? "true" : "false";
            case 2: return Pick(Numbers);
            case 3: return Quote(Pick(Strings));
            case 4: return Pick(Numbers);
            case 5: return Quote(RandomText(random.Next(0, 40)));
            case 6:
            case 7:
                return "[" + string.Join(',', Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomJson(depth + 1))) + "]";
            default:
                return "{" + string.Join(',', Enumerable.Range(0, random.Next(0, 5))
                    .Select(_ => Quote(random.Next(2) == 0 ? Pick(OptionalFields) : RandomText(random.Next(1, 8))) + ":" + RandomJson(depth + 1))) + "}";
        }
    }

    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "2147483647", "-2147483648", "2147483648", "9223372036854775807", "99999999999999999999999999", "1e308",
        "-1e308", "1e309", "1e-400", "5e-324", "0.5", "3.14159", "-2.5e10", "1E2", "0.0000001",
    ];

    private static readonly string[] Strings =
    [
        "", "NaN", "Infinity", "-Infinity", "-1", "1e999", "null", "true", "tiny-chat", "user", "system", "\\ud800", "\\udc00\\ud800",
        "\\u0000", "<|im_start|>", "<|im_end|>", "{{ raise_exception('x') }}", "{% for %}", "😀", "\\\"", "a\\nb",
    ];

    private string RandomText(int length)
    {
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            char c = random.Next(10) switch
            {
                0 => (char)random.Next(0x80, 0x800),
                1 => (char)random.Next(0x4E00, 0x9FFF),
                _ => (char)random.Next(0x20, 0x7F),
            };
            text.Append(c);
        }
        return text.ToString().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
    }

    /// <summary>A JSON string literal; the text is escaped only for quotes and backslashes, so \uXXXX escapes in it stay escapes.</summary>
    private static string Quote(string text) => "\"" + text + "\"";

    private static string Serialize(List<(string Key, string Value)> fields) =>
        "{" + string.Join(',', fields.Select(f => Quote(f.Key) + ":" + f.Value)) + "}";

    // ---- the categories ----

    private FuzzRequest RandomBytes()
    {
        var bytes = new byte[random.Next(0, 2000)];
        random.NextBytes(bytes);
        if (random.Next(3) == 0 && bytes.Length > 0) bytes[0] = (byte)'{';
        return new FuzzRequest("random-bytes", HttpMethod.Post, AnyPostRoute(), bytes, "application/json");
    }

    private FuzzRequest Truncated()
    {
        string path = Pick(PostRoutes);
        var fields = Template(path);
        AddOptional(path, fields, random.Next(0, 4));
        string json = Serialize(fields);
        int cut = random.Next(0, json.Length);
        return Json("truncated", path, json[..cut]);
    }

    private FuzzRequest WrongShape()
    {
        string path = AnyPostRoute();
        string body = random.Next(8) switch
        {
            0 => "[" + Serialize(Template(path)) + "]",
            1 => RandomJson(0),
            2 => new string('[', 5000) + new string(']', 5000),                             // past the depth limit
            3 => Serialize([.. Template(path), ("messages", new string('[', 200) + new string(']', 200))]),
            4 => Serialize(Template(path).Select(f => (f.Key, RandomJson(1))).ToList()),      // right keys, random values
            5 => "{" + string.Join(',', Template(path).Select(f => Quote(f.Key) + ":null")) + "}",
            6 => Serialize(Template(path).Select(f => (f.Key, Pick(Numbers))).ToList()),
            _ => Pick(new[] { "null", "\"\"", "0", "[]", "{}", "\"{}\"", "true", "1e999" }),
        };
        return Json("wrong-shape", path, body);
    }

    private void AddOptional(string path, List<(string Key, string Value)> fields, int count)
    {
        for (int i = 0; i < count; i++)
        {
            string field = Pick(OptionalFields);
            // Streams are read whole here; keep them short like the rest.
            fields.Add((field, random.Next(3) == 0 ? RandomJson(1) : ExtremeValue(field)));
        }
        KeepGenerationShort(path, fields);
    }

    /// <summary>A chat request without a usable max_tokens generates up to the context; most keep a small one.</summary>
    private void KeepGenerationShort(string path, List<(string Key, string Value)> fields)
    {
        if (!Generates(path)) return;
        bool hasLimit = fields.Any(f => f.Key is "max_tokens" or "max_completion_tokens" && f.Value is not "null");
        if (!hasLimit && random.Next(20) != 0) fields.Add(("max_tokens", Small()));
    }

    private FuzzRequest Mutated()
    {
        string path = Pick(PostRoutes);
        var fields = Template(path);
        AddOptional(path, fields, random.Next(0, 3));
        int mutations = random.Next(1, 4);
        var kinds = new List<string>();
        for (int i = 0; i < mutations && fields.Count > 0; i++)
        {
            int index = random.Next(fields.Count);
            var (key, value) = fields[index];
            switch (random.Next(7))
            {
                case 0:
                    fields.RemoveAt(index);
                    kinds.Add("drop " + key);
                    break;
                case 1:
                    fields.Insert(random.Next(fields.Count + 1), (key, random.Next(2) == 0 ? value : ExtremeValue(key)));
                    kinds.Add("duplicate " + key);
                    break;
                case 2:
                case 3:
                    fields[index] = (key, ExtremeValue(key));
                    kinds.Add("extreme " + key);
                    break;
                case 4:
                    fields[index] = (key, RandomJson(1));
                    kinds.Add("random " + key);
                    break;
                case 5:
                    fields[index] = (random.Next(2) == 0 ? key.ToUpperInvariant() : Pick(OptionalFields), value);
                    kinds.Add("rename " + key);
                    break;
                default:
                    string field = Pick(new[] { "messages", "prompt", "input", "texts", "tokens", "text", "model" });
                    fields.Add((field, ExtremeValue(field)));
                    kinds.Add("add " + field);
                    break;
            }
        }
        // Sometimes the whole body goes to another route (a Cohere body to OpenAI and so on).
        string target = random.Next(8) == 0 ? AnyPostRoute() : path;
        KeepGenerationShort(target, fields);
        return Json($"mutated {string.Join(", ", kinds)}{(target == path ? "" : " → " + target)}", target, Serialize(fields));
    }

    private FuzzRequest Valid()
    {
        string path = Pick(PostRoutes);
        var fields = Template(path);
        if (path is ChatPath or CompletionsPath && random.Next(2) == 0)
        {
            fields.Add(("n", random.Next(1, 5).ToString(CultureInfo.InvariantCulture)));
            fields.Add(("logprobs", path == ChatPath ? "true" : "2"));
        }
        if (Generates(path) || path == CompletionsPath) fields.Add(("stream", random.Next(2) == 0 ? "true" : "false"));
        return Json("valid", path, Serialize(fields));
    }

    private FuzzRequest Huge()
    {
        string path = Pick(PostRoutes);
        bool over = random.Next(2) == 0;
        // Room for the rest of the body, or well past the limit.
        int length = (int)(over ? bodyLimit + random.Next(1, 64 * 1024) : bodyLimit - 1024);
        string field = path switch
        {
            ChatPath or CohereChatPath => "messages",
            CompletionsPath => "prompt",
            EmbeddingsPath => "input",
            CohereEmbedPath => "texts",
            TokenizePath => "text",
            _ => "tokens",
        };
        string big = new('w', length);
        string value = field switch
        {
            "messages" => $$"""[{"role":"user","content":"{{big}}"}]""",
            "texts" => $"[\"{big}\"]",
            "tokens" => "[" + string.Join(',', Enumerable.Repeat("7", length / 2)) + "]",
            _ => Quote(big),
        };
        var fields = Template(path).Where(f => f.Key != field).Append((field, value)).ToList();
        return Json(over ? "huge over limit" : "huge under limit", path, Serialize(fields));
    }

    private FuzzRequest InvalidUtf8()
    {
        string path = Pick(PostRoutes);
        byte[] body = Utf8(Serialize(Template(path)));
        byte[][] bad = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xC0, 0xAF]];
        byte[] insert = Pick(bad);
        // Inside a string value (after an opening quote) or anywhere.
        int at = random.Next(2) == 0 ? Array.LastIndexOf(body, (byte)'"') : random.Next(body.Length);
        byte[] result = [.. body[..at], .. insert, .. body[at..]];
        return new FuzzRequest("invalid-utf8", HttpMethod.Post, path, result, "application/json; charset=utf-8");
    }

    private FuzzRequest WrongContentType()
    {
        string path = Pick(PostRoutes);
        string? type = Pick(new[] { "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null, "application/xml", "application/json; charset=latin1" });
        string body = random.Next(2) == 0 ? Serialize(Template(path)) : "a=1&b=2";
        return Json("wrong-content-type", path, body, type);
    }

    private FuzzRequest OtherMethodOrRoute()
    {
        var method = Pick(new[] { HttpMethod.Get, HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Options });
        string path = random.Next(3) switch
        {
            0 => Pick(GetRoutes),
            1 => Pick(PostRoutes),
            _ => Pick(UnknownRoutes),
        };
        if (method == HttpMethod.Get && random.Next(4) == 0) path += "?" + Pick(new[] { "a=1", "%zz", "model=tiny-chat&x=" + new string('q', 500) });
        byte[]? body = method == HttpMethod.Get || random.Next(2) == 0 ? null : Utf8(Serialize(Template(path)));
        return new FuzzRequest("method-or-route", method, path, body, body is null ? null : "application/json");
    }

    private FuzzRequest EarlyClose()
    {
        string path = Pick(new[] { ChatPath, CompletionsPath, CohereChatPath });
        var fields = Template(path).Where(f => f.Key != "max_tokens").ToList();
        // Long enough to be mid-stream when the client leaves, so the server must notice and free the slot.
        fields.Add(("max_tokens", random.Next(100, 300).ToString(CultureInfo.InvariantCulture)));
        bool stream = random.Next(5) != 0;
        fields.Add(("stream", stream ? "true" : "false"));
        if (path != CohereChatPath && random.Next(3) == 0) fields.Add(("n", random.Next(1, 4).ToString(CultureInfo.InvariantCulture)));
        // A whole (non-streamed) reply can only be abandoned while it is being generated.
        var ending = !stream || random.Next(3) == 0 ? FuzzEnding.CancelSoon : FuzzEnding.CloseAfterFirstBytes;
        return Json("early-close", path, Serialize(fields), ending: ending);
    }
}
