using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Generation;
using Strata.Models.Generation.Constraints;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Generation;

/// <summary>
/// What the structured-output tests share: independent validators (ajv for JSON Schemas, JavaScript's RegExp for
/// patterns, through tests/tools/check-structured-output.mjs), a grammar's verdict on whole texts, and an adversarial
/// "random model": a decoder fed random logits over a real vocabulary, whose only bias is towards ending once allowed.
/// </summary>
internal static class StructuredOutputReference
{
    public static StrataTokenizer Vocabulary { get; } = BundledTokenizer.Load();

    /// <summary>Each item checked by the independent validator: null when valid, else its complaint.</summary>
    public static string?[] Check(IEnumerable<(JsonNode? Schema, string? Pattern, string Output)> items)
    {
        var request = new JsonArray();
        foreach (var (schema, pattern, output) in items)
        {
            var item = new JsonObject { ["output"] = output };
            if (schema is not null) item["schema"] = schema.DeepClone();
            if (pattern is not null) item["pattern"] = pattern;
            request.Add(item);
        }
        var results = JsonNode.Parse(NodeTools.RunScript("check-structured-output.mjs", request.ToJsonString()))!.AsArray();
        return results.Select(r => r!["valid"]!.GetValue<bool>() ? null : (string?)r["error"]!.GetValue<string>()).ToArray();
    }

    public static bool Accepts(Grammar grammar, string text)
    {
        var state = grammar.Start;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            if (!grammar.TryAdvance(state, b, out state)) return false;
        }
        return Grammar.IsComplete(state);
    }

    /// <summary>Decodes under <paramref name="constraint"/> from random logits (seeded); null when it did not end within <paramref name="maxTokens"/>.</summary>
    public static string? RandomModel(ITokenConstraint constraint, int seed, int maxTokens = 600, float endBias = 6f)
    {
        int eos = Vocabulary.TokenToId(BundledTokenizer.EndOfText)!.Value;
        var decoder = new SequenceDecoder(Vocabulary, [], new SamplingOptions { Temperature = 1, Seed = seed, MaxTokens = maxTokens, Constraint = constraint },
            [eos], maxLength: 1 << 20);
        var random = new Random(seed);
        var logits = new float[Vocabulary.VocabularySize];
        var text = new System.Text.StringBuilder();
        for (int step = 0; ; step++)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)(random.NextDouble() * 8 - 4);
            logits[eos] += endBias;
            var chunk = decoder.Next(logits, step + 1);
            text.Append(chunk.Text);
            if (chunk.FinishReason is { } reason) return reason == FinishReason.MaxTokens ? null : text.ToString();
        }
    }
}
