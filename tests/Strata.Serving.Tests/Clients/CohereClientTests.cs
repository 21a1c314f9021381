using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Clients;

/// <summary>
/// Cohere's official TypeScript client (<c>cohere-ai</c>), unchanged, against Strata's Cohere-compatible endpoints:
/// what the client parsed must be what the server meant.
/// </summary>
public sealed class CohereClientTests(CohereClientRun run) : IClassFixture<CohereClientRun>
{
    private static readonly string[] CohereFinishReasons = ["COMPLETE", "MAX_TOKENS", "STOP_SEQUENCE"];
    private const int MaxTokens = 12;   // what the script asks for

    [Theory]
    [InlineData("stream")]
    [InlineData("seededStream")]
    public void StreamEventsComeInCoheresOrder(string call)
    {
        string[] events = run.Call(call).GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray();

        Assert.Equal(["message-start", "content-start"], events[..2]);
        Assert.Equal(["content-end", "message-end"], events[^2..]);
        string[] deltas = events[2..^2];
        Assert.NotEmpty(deltas);
        Assert.All(deltas, e => Assert.Equal("content-delta", e));
    }

    [Theory]
    [InlineData("chat", "stream")]               // greedy: temperature 0
    [InlineData("seededChat", "seededStream")]   // sampled with the same seed
    public void StreamedTextFinishAndUsageMatchTheWholeReply(string whole, string streamed)
    {
        var reply = run.Call(whole);
        var stream = run.Call(streamed);

        Assert.Equal("assistant", reply.GetProperty("role").GetString());
        Assert.Equal(reply.GetProperty("text").GetString(), stream.GetProperty("text").GetString());
        Assert.Equal(reply.GetProperty("finishReason").GetString(), stream.GetProperty("finishReason").GetString());
        Assert.Equal(Tokens(reply.GetProperty("usage")), Tokens(stream.GetProperty("usage")));
    }

    [Fact]
    public void ARequiredToolCallReachesTheClientWholeAndStreamed()
    {
        var whole = run.Call("toolCall");
        Assert.Equal("TOOL_CALL", whole.GetProperty("finishReason").GetString());
        var call = Assert.Single(whole.GetProperty("toolCalls").EnumerateArray());
        Assert.Equal("add", call.GetProperty("function").GetProperty("name").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.True(arguments.RootElement.GetProperty("a").GetInt32() <= 99 && arguments.RootElement.GetProperty("b").GetInt32() <= 99);

        var stream = run.Call("toolCallStream");
        Assert.Equal("TOOL_CALL", stream.GetProperty("finishReason").GetString());
        string[] events = stream.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal("message-start", events[0]);
        Assert.Equal(["tool-call-start", "tool-call-delta", "tool-call-end", "message-end"], events[^4..]);
        var streamed = Assert.Single(stream.GetProperty("calls").EnumerateArray());
        Assert.Equal(call.GetProperty("function").GetProperty("arguments").GetString(), streamed.GetProperty("arguments").GetString());
        Assert.Equal("function", streamed.GetProperty("type").GetString());
    }

    [Fact]
    public void AToolResultAsADocumentIsAnswered()
    {
        var reply = run.Call("toolResult");
        Assert.NotEqual("TOOL_CALL", reply.GetProperty("finishReason").GetString());
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("toolCalls").ValueKind);
    }

    [Fact]
    public void JsonModeRepliesParseAsObjects()
    {
        var replies = run.Call("jsonMode").GetProperty("replies").EnumerateArray().ToList();
        Assert.Equal(6, replies.Count);
        int complete = 0;
        foreach (var reply in replies)
        {
            string text = reply.GetProperty("text").GetString()!;
            Assert.StartsWith("{", text.TrimStart());
            if (reply.GetProperty("finishReason").GetString() != "COMPLETE") continue;
            using var document = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            complete++;
        }
        Assert.True(complete > 0, "no JSON-mode reply ended within 96 tokens");
    }

    [Fact]
    public void SeededSamplingDiffersFromGreedy()
    {
        // Guards the comparison above: if the seed were ignored and both ran greedily, it would prove less.
        Assert.NotEqual(run.Call("chat").GetProperty("text").GetString(), run.Call("seededChat").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("stream")]
    [InlineData("seededChat")]
    [InlineData("stopped")]
    public void FinishReasonsAreCoheresAndAgreeWithUsage(string call)
    {
        var result = run.Call(call);
        string finish = result.GetProperty("finishReason").GetString()!;
        Assert.Contains(finish, CohereFinishReasons);
        var (input, output) = Tokens(result.GetProperty("usage"));
        Assert.True(input > 0);
        if (finish == "MAX_TOKENS") Assert.Equal(MaxTokens, output);
        else Assert.InRange(output, 0, MaxTokens - 1);
        // Billed units are the same counts.
        var billed = result.GetProperty("usage").GetProperty("billedUnits");
        Assert.Equal(input, billed.GetProperty("inputTokens").GetInt32());
        Assert.Equal(output, billed.GetProperty("outputTokens").GetInt32());
    }

    [Fact]
    public void StopSequenceEndsTheReplyJustBeforeIt()
    {
        var stopped = run.Call("stopped");
        string stop = stopped.GetProperty("stop").GetString()!;
        string full = run.Call("seededChat").GetProperty("text").GetString()!;

        Assert.Equal("STOP_SEQUENCE", stopped.GetProperty("finishReason").GetString());
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], stopped.GetProperty("text").GetString());
    }

    [Fact]
    public async Task EmbedFloatVectorsAreUnitLengthAndMatchTheOpenAiEndpoint()
    {
        var embed = run.Call("embed");
        Assert.Equal("embeddings_by_type", embed.GetProperty("responseType").GetString());
        Assert.Equal(["the crown", "a king"], embed.GetProperty("texts").EnumerateArray().Select(t => t.GetString()));
        Assert.True(embed.GetProperty("meta").GetProperty("billedUnits").GetProperty("inputTokens").GetInt32() > 0);

        double[][] floats = Vectors(embed, "float");
        int hidden = run.Server.Server.Models.Get(RunningServer.ModelName).Model.Config.HiddenSize;
        Assert.Equal(2, floats.Length);
        Assert.All(floats, v => Assert.Equal(hidden, v.Length));
        Assert.All(floats, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => x * x)), 5));

        var openAi = await run.Server.PostJson("v1/embeddings", new { model = RunningServer.ModelName, input = new[] { "the crown", "a king" } });
        for (int i = 0; i < 2; i++)
        {
            var expected = openAi.GetProperty("data")[i].GetProperty("embedding").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.All(expected.Zip(floats[i]), pair => Assert.Equal(pair.First, pair.Second, 6));
        }
    }

    [Fact]
    public void EmbedInt8AndBinaryHaveCoheresShapesAndFollowTheFloatSigns()
    {
        var embed = run.Call("embed");
        double[][] floats = Vectors(embed, "float");
        double[][] int8 = Vectors(embed, "int8");
        double[][] binary = Vectors(embed, "binary");

        for (int i = 0; i < floats.Length; i++)
        {
            Assert.Equal(floats[i].Length, int8[i].Length);
            Assert.All(int8[i], x => Assert.True(x == Math.Round(x) && x >= -128 && x <= 127, $"{x} is not an int8"));
            // The largest component maps to ±127 and every non-zero int8 keeps its float's sign.
            Assert.Equal(127, int8[i].Max(Math.Abs));
            Assert.All(floats[i].Zip(int8[i]), p => Assert.True(p.Second == 0 || Math.Sign(p.First) == Math.Sign(p.Second)));

            // Binary: one bit per dimension (positive = 1), eight to a byte, most significant first, offset by −128.
            Assert.Equal((floats[i].Length + 7) / 8, binary[i].Length);
            for (int d = 0; d < floats[i].Length; d++)
            {
                int packed = (int)binary[i][d / 8] + 128;
                Assert.InRange(packed, 0, 255);
                Assert.Equal(floats[i][d] > 0, (packed & (0x80 >> (d % 8))) != 0);
            }
        }
    }

    [Fact]
    public void TokenizeUsesTheModelsTokenizerAndDetokenizeRoundTrips()
    {
        var tokenize = run.Call("tokenize");
        string text = tokenize.GetProperty("text").GetString()!;
        int[] tokens = tokenize.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        var model = run.Server.Server.Models.Get(RunningServer.ModelName).Model;

        Assert.Equal(model.Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false), tokens);
        Assert.Equal(tokens.Length, tokenize.GetProperty("tokenStrings").GetArrayLength());
        Assert.Equal(text, run.Call("detokenize").GetProperty("text").GetString());
    }

    [Fact]
    public void UnknownModelIsTheClientsNotFoundErrorWithOurMessage()
    {
        var error = Error("unknownModel");
        Assert.Equal("NotFoundError", error.GetProperty("name").GetString());
        Assert.Equal(404, error.GetProperty("statusCode").GetInt32());
        Assert.StartsWith("The model 'no-such-model' does not exist", error.GetProperty("body").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidRequestIsTheClientsBadRequestErrorNamingTheField()
    {
        var error = Error("badRequest");
        Assert.Equal("BadRequestError", error.GetProperty("name").GetString());
        Assert.Equal(400, error.GetProperty("statusCode").GetInt32());
        Assert.Contains("max_tokens", error.GetProperty("body").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("max_tokens", error.GetProperty("body").GetProperty("param").GetString());
    }

    private JsonElement Error(string call)
    {
        Assert.True(run.Result.GetProperty(call).TryGetProperty("error", out var error), $"{call} should have failed: {run.Result.GetProperty(call)}");
        return error;
    }

    private static (int Input, int Output) Tokens(JsonElement usage)
    {
        var tokens = usage.GetProperty("tokens");
        return (tokens.GetProperty("inputTokens").GetInt32(), tokens.GetProperty("outputTokens").GetInt32());
    }

    private static double[][] Vectors(JsonElement embed, string type) =>
        embed.GetProperty("embeddings").GetProperty(type).EnumerateArray()
            .Select(v => v.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();

    [Fact]
    public void RerankThroughTheClientMatchesTheServersOwnOrder()
    {
        var results = run.Call("rerank").GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);   // topN
        var scores = results.Select(r => r.GetProperty("relevanceScore").GetDouble()).ToArray();
        Assert.True(scores[0] >= scores[1]);
        Assert.All(scores, s => Assert.InRange(s, 0, 1));

        var v1 = run.Call("rerankV1").GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(3, v1.Length);
        Assert.Equal(results.Select(r => r.GetProperty("index").GetInt32()), v1.Take(2).Select(r => r.GetProperty("index").GetInt32()));
        Assert.All(v1, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("document").GetProperty("text").GetString())));
    }

    [Fact]
    public void RerankErrorsReachTheClientAsBadRequests()
    {
        Assert.True(run.Result.GetProperty("rerankTopNZero").TryGetProperty("error", out var error));
        Assert.Equal(400, error.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public void EncoderEmbeddingsReachTheClient()
    {
        var floats = run.Call("encoderEmbed").GetProperty("embeddings").GetProperty("float").EnumerateArray().ToArray();
        Assert.Equal(2, floats.Length);
        Assert.All(floats, v => Assert.Equal(64, v.GetArrayLength()));
    }

    [Fact]
    public void GroundedChatThroughTheClientCarriesCitationsWithSpansIntoTheText()
    {
        var reply = run.Call("groundedChat");
        string text = reply.GetProperty("text").GetString()!;
        var citations = reply.GetProperty("citations");
        Assert.Equal(JsonValueKind.Array, citations.ValueKind);
        foreach (var citation in citations.EnumerateArray())
        {
            Assert.Equal(text[citation.GetProperty("start").GetInt32()..citation.GetProperty("end").GetInt32()], citation.GetProperty("text").GetString());
        }
    }

    [Fact]
    public void ClassifyThroughTheClientGivesALabelAndConfidencePerInput()
    {
        var classifications = run.Call("classify").GetProperty("classifications").EnumerateArray().ToArray();
        Assert.Equal(2, classifications.Length);
        Assert.All(classifications, c =>
        {
            Assert.Contains(c.GetProperty("prediction").GetString(), new[] { "a", "z" });
            Assert.InRange(c.GetProperty("confidence").GetDouble(), 0.5, 1.0);
        });
    }
}
