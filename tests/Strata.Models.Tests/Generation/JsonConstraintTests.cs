using System.Text;
using System.Text.Json;
using Strata.Cli;
using Strata.Models.Generation;
using Strata.Models.Generation.Constraints;
using Strata.Models.Loading;

namespace Strata.Models.Tests.Generation;

/// <summary>
/// JSON-constrained decoding: the byte recognizer agrees with System.Text.Json (an independent parser) on valid
/// documents, their prefixes and mutated ones; and a random model (adversarial token choices) sampling under the
/// constraint only ever produces text that is valid JSON once it ends, over the real byte-level BPE vocabulary.
/// </summary>
public class JsonConstraintTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Valid JSON text: UTF-8 (RFC 8259 requires it; JsonDocument does not check bytes inside strings) that JsonDocument parses.</summary>
    private static bool Parses(byte[] text)
    {
        try
        {
            StrictUtf8.GetString(text);
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>(accepted as a prefix, complete) after feeding every byte.</summary>
    private static (bool Prefix, bool Complete) Recognize(byte[] text, bool objectOnly = false)
    {
        var state = JsonRecognizer.Start;
        foreach (byte b in text)
        {
            if (!JsonRecognizer.TryAdvance(state, b, objectOnly, out state)) return (false, false);
        }
        return (true, JsonRecognizer.IsComplete(state));
    }

    private static readonly string[] Documents =
    [
        "{}", "[]", "0", "-0.5e+10", "12", "true", "null", "\"\"", "\"a\\u00e9\\n\\\"\"", "\"héllo wörld 🙂 日本\"",
        "{\"a\": [1, 2.5, {\"b\": null}], \"c\": \"d\"}", "[[[]], {}, [{}]]", " { \"k\" : false } ", "[1e5, -1E-2, 0.0]",
        "{\"nested\": {\"deeper\": {\"deepest\": [true, false]}}}",
    ];

    [Fact]
    public void TheRecognizerAcceptsWhatSystemTextJsonParsesAndEveryPrefixOfIt()
    {
        foreach (string document in Documents)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(document);
            Assert.True(Parses(bytes), document);
            Assert.Equal((true, true), Recognize(bytes));
            for (int cut = 0; cut < bytes.Length; cut++) Assert.True(Recognize(bytes[..cut]).Prefix, $"prefix {cut} of {document}");
        }
    }

    [Theory]
    [InlineData("{a: 1}")]
    [InlineData("[1, 2,]")]
    [InlineData("{\"a\": 1,}")]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData("-")]
    [InlineData("tru")]
    [InlineData("\"a\nb\"")]
    [InlineData("\"\\x\"")]
    [InlineData("[1] [2]")]
    [InlineData("{\"a\" 1}")]
    [InlineData("\"\\u12G4\"")]
    public void TheRecognizerRejectsWhatIsNotJson(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Assert.False(Parses(bytes));
        Assert.NotEqual((true, true), Recognize(bytes));
    }

    [Fact]
    public void RandomMutationsAreJudgedAsSystemTextJsonJudgesThem()
    {
        var random = new Random(11);
        byte[] alphabet = "{}[]\",:0123456789.-+eEtrufalsn \\\u00e9"u8.ToArray();
        int agreed = 0, valid = 0;
        for (int trial = 0; trial < 20_000; trial++)
        {
            var bytes = Encoding.UTF8.GetBytes(Documents[random.Next(Documents.Length)]).ToList();
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                int at = random.Next(bytes.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when bytes.Count > 0 && at < bytes.Count: bytes.RemoveAt(at); break;
                    case 1: bytes.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: if (at < bytes.Count) bytes[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }
            byte[] text = [.. bytes];
            bool parses = Parses(text);
            var (_, complete) = Recognize(text);
            Assert.True(parses == complete, $"System.Text.Json {(parses ? "parses" : "rejects")} {Encoding.UTF8.GetString(text)}");
            agreed++;
            if (parses) valid++;
        }
        Assert.Equal(20_000, agreed);
        Assert.InRange(valid, 500, 19_500); // both outcomes were exercised
    }

    [Fact]
    public void ObjectModeAcceptsOnlyAnObjectAtTheTop()
    {
        Assert.Equal((true, true), Recognize("{\"a\": [1]}"u8.ToArray(), objectOnly: true));
        Assert.False(Recognize("[1]"u8.ToArray(), objectOnly: true).Prefix);
        Assert.False(Recognize("\"x\""u8.ToArray(), objectOnly: true).Prefix);
    }

    [Fact]
    public async Task ARandomModelUnderTheConstraintOnlyWritesJson()
    {
        string directory = Path.Combine(TestPaths.NewTemporaryDirectory(), "tiny");
        var log = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", directory, "--seed", "9"], log, log));
        var package = ModelPackage.Open(directory);
        using var backend = package.LoadBackend();
        var generator = new TextGenerator(package.LanguageModel(backend), package.Tokenizer);
        var prompt = package.Tokenizer.Encode("Reply in JSON:");
        int ended = 0;
        foreach (var (constraint, seeds) in new[] { (JsonConstraint.AnyValue, 120), (JsonConstraint.Object, 60) })
        {
            for (int seed = 0; seed < seeds; seed++)
            {
                var result = await generator.GenerateAsync(prompt, new SamplingOptions { Temperature = 1.3, MaxTokens = 48, Seed = seed, Constraint = constraint });
                byte[] bytes = Encoding.UTF8.GetBytes(result.Text);
                var (prefix, complete) = Recognize(bytes, constraint == JsonConstraint.Object);
                Assert.True(prefix, $"seed {seed}: {result.Text}");
                if (result.FinishReason != FinishReason.MaxTokens)
                {
                    Assert.True(complete && Parses(bytes), $"seed {seed} ended ({result.FinishReason}) with {result.Text}");
                    ended++;
                }
            }
        }
        Assert.True(ended >= 30, $"only {ended} of 180 constrained generations ended within 48 tokens");
    }
}
