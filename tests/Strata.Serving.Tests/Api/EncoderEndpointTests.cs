using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// Encoders behind the embed and rerank endpoints over real HTTP: which model kind each endpoint accepts, Cohere's
/// rerank shape and ordering, truncation, and 4xx errors naming the field.
/// </summary>
public sealed class EncoderEndpointTests(EncoderServer server) : IClassFixture<EncoderServer>
{
    private static readonly string[] Documents = ["the crown of the king", "a recipe for bread", "kings and queens wear crowns", "rain in spain"];

    [Fact]
    public async Task ModelsListEveryModelWithTheEndpointsItServes()
    {
        using var client = server.Client();
        var body = await client.GetFromJsonAsync<JsonElement>("v1/models");
        var endpoints = body.GetProperty("data").EnumerateArray().ToDictionary(
            m => m.GetProperty("id").GetString()!, m => m.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Contains("chat", endpoints[RunningServer.ModelName]);
        Assert.Equal(["embed", "rerank"], endpoints[EncoderServer.Embedder]);
        Assert.Equal(["rerank"], endpoints[EncoderServer.Reranker]);
        Assert.Equal(["classify"], endpoints[EncoderServer.Classifier]);
        var card = await client.GetFromJsonAsync<JsonElement>($"v1/models/{EncoderServer.Reranker}");
        Assert.Equal(64, card.GetProperty("max_model_len").GetInt32());
    }

    [Fact]
    public async Task OpenAiAndCohereEmbeddingsOfAnEncoderAgreeAndAreUnitVectors()
    {
        var openAi = await server.PostJson("v1/embeddings", new { model = EncoderServer.TinyEmbedder, input = new[] { "the crown", "a king" } });
        var cohere = await server.PostJson("v2/embed", new { model = EncoderServer.TinyEmbedder, texts = new[] { "the crown", "a king" }, input_type = "search_document" });
        var fromOpenAi = openAi.GetProperty("data").EnumerateArray().Select(d => Floats(d.GetProperty("embedding"))).ToArray();
        var fromCohere = cohere.GetProperty("embeddings").GetProperty("float").EnumerateArray().Select(Floats).ToArray();
        Assert.Equal(64, fromOpenAi[0].Length);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(fromOpenAi[i], fromCohere[i]);
            Assert.Equal(1.0, Math.Sqrt(fromOpenAi[i].Sum(v => (double)v * v)), 5);
        }
        Assert.NotEqual(fromOpenAi[0], fromOpenAi[1]);
        // "[CLS] t h e ▁ c r o w n [SEP]": the character vocabulary spells each letter; usage counts them.
        Assert.True(openAi.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() >= "thecrownaking".Length + 4);
    }

    [Fact]
    public async Task AnEmbeddingIsTheSameAloneAndInABatch()
    {
        var batch = await server.PostJson("v1/embeddings", new { model = EncoderServer.TinyEmbedder, input = new[] { "a much longer text about crowns and kings", "crown" } });
        var alone = await server.PostJson("v1/embeddings", new { model = EncoderServer.TinyEmbedder, input = "crown" });
        var fromBatch = Floats(batch.GetProperty("data")[1].GetProperty("embedding"));
        var single = Floats(alone.GetProperty("data")[0].GetProperty("embedding"));
        for (int i = 0; i < single.Length; i++) Assert.Equal(single[i], fromBatch[i], 5);
    }

    [Theory]
    [InlineData(EncoderServer.Reranker)]
    [InlineData(EncoderServer.TinyEmbedder)]
    public async Task RerankOrdersEveryDocumentByRelevanceInTheUnitInterval(string model)
    {
        var body = await server.PostJson("v2/rerank", new { model, query = "crown", documents = Documents });
        var results = body.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(Documents.Length, results.Length);
        Assert.Equal(Enumerable.Range(0, Documents.Length), results.Select(r => r.GetProperty("index").GetInt32()).Order());
        var scores = results.Select(r => r.GetProperty("relevance_score").GetDouble()).ToArray();
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.Equal("2", body.GetProperty("meta").GetProperty("api_version").GetProperty("version").GetString());
    }

    [Fact]
    public async Task RerankTopNKeepsTheBestAndV1ReturnsDocumentsOnRequest()
    {
        var all = await server.PostJson("v2/rerank", new { model = EncoderServer.Reranker, query = "crown", documents = Documents });
        var top = await server.PostJson("v2/rerank", new { model = EncoderServer.Reranker, query = "crown", documents = Documents, top_n = 2 });
        var beyond = await server.PostJson("v2/rerank", new { model = EncoderServer.Reranker, query = "crown", documents = Documents, top_n = 50 });
        var v1 = await server.PostJson("v1/rerank", new
        {
            model = EncoderServer.Reranker,
            query = "crown",
            top_n = 1,
            return_documents = true,
            documents = new object[] { new { text = Documents[0] }, Documents[1], new { text = Documents[2] }, Documents[3] },
        });
        Assert.Equal(all.GetProperty("results").EnumerateArray().Take(2).Select(r => r.GetProperty("index").GetInt32()),
            top.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(Documents.Length, beyond.GetProperty("results").GetArrayLength());
        var best = v1.GetProperty("results")[0];
        Assert.Equal(all.GetProperty("results")[0].GetProperty("index").GetInt32(), best.GetProperty("index").GetInt32());
        Assert.Equal(Documents[best.GetProperty("index").GetInt32()], best.GetProperty("document").GetProperty("text").GetString());
    }

    [Fact]
    public async Task CohereTruncateEndAndStartCutLongTextsAndNoneRefusesThem()
    {
        string text = string.Join(' ', Enumerable.Repeat("crowns", 40));   // ~240 character pieces; the model holds 128
        var end = await server.PostJson("v2/embed", new { model = EncoderServer.TinyEmbedder, texts = new[] { text }, input_type = "search_query" });
        var start = await server.PostJson("v2/embed", new { model = EncoderServer.TinyEmbedder, texts = new[] { text }, input_type = "search_query", truncate = "START" });
        Assert.Equal(128, end.GetProperty("meta").GetProperty("billed_units").GetProperty("input_tokens").GetInt32());
        Assert.Equal(128, start.GetProperty("meta").GetProperty("billed_units").GetProperty("input_tokens").GetInt32());
        await AssertError("v2/embed", new { model = EncoderServer.TinyEmbedder, texts = new[] { "ok", text }, input_type = "search_query", truncate = "NONE" }, 400, "texts[1]");
        await AssertError("v1/embeddings", new { model = EncoderServer.TinyEmbedder, input = text }, 400, "input");
    }

    [Fact]
    public async Task ClassifyFromExamplesWithAnEmbeddingModelAndWithATrainedClassifier()
    {
        var fromExamples = await server.PostJson("v1/classify", new
        {
            model = EncoderServer.TinyEmbedder,
            inputs = new[] { "aaaa aaa", "zzz zzzz" },
            examples = new[]
            {
                new { text = "aaa aa", label = "a" }, new { text = "aaaaa a", label = "a" },
                new { text = "zz zzz", label = "z" }, new { text = "zzzz z", label = "z" },
            },
        });
        var classifications = fromExamples.GetProperty("classifications").EnumerateArray().ToArray();
        Assert.Equal(["aaaa aaa", "zzz zzzz"], classifications.Select(c => c.GetProperty("input").GetString()!));
        foreach (var c in classifications)
        {
            var labels = c.GetProperty("labels");
            Assert.Equal(1.0, labels.GetProperty("a").GetProperty("confidence").GetDouble() + labels.GetProperty("z").GetProperty("confidence").GetDouble(), 9);
            string prediction = c.GetProperty("prediction").GetString()!;
            Assert.Equal(labels.GetProperty(prediction).GetProperty("confidence").GetDouble(), c.GetProperty("confidence").GetDouble(), 12);
            Assert.Equal("single-label", c.GetProperty("classification_type").GetString());
        }

        var trained = await server.PostJson("v1/classify", new { model = EncoderServer.Classifier, inputs = new[] { "good", "bad" } });
        var first = trained.GetProperty("classifications")[0];
        var names = first.GetProperty("labels").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["negative", "neutral", "positive"], names);
        Assert.Equal(1.0, first.GetProperty("labels").EnumerateObject().Sum(p => p.Value.GetProperty("confidence").GetDouble()), 9);
    }

    [Fact]
    public async Task SummarizeAsksTheChatModelAndValidatesItsOptions()
    {
        var body = await server.PostJson("v1/summarize", new { model = RunningServer.ModelName, text = "The crown is kept in the tower. The king wears it on feast days.", length = "short", format = "bullets" });
        Assert.Equal(JsonValueKind.String, body.GetProperty("summary").ValueKind);
        Assert.True(body.GetProperty("meta").GetProperty("billed_units").GetProperty("output_tokens").GetInt32() <= 96);
        await AssertError("v1/summarize", new { model = RunningServer.ModelName, text = "x", length = "tiny" }, 400, "length");
        await AssertError("v1/summarize", new { model = RunningServer.ModelName, text = "" }, 400, "text");
        await AssertError("v1/summarize", new { model = EncoderServer.Embedder, text = "x" }, 400, "model");
    }

    public static TheoryData<string, string, int, string?> BadRequests => new()
    {
        { "v1/classify", """{"model":"embedder","inputs":["a"]}""", 400, "examples" },
        { "v1/classify", """{"model":"embedder","inputs":["a"],"examples":[{"text":"x","label":"p"},{"text":"y","label":"p"}]}""", 400, "examples" },
        { "v1/classify", """{"model":"embedder","inputs":["a"],"examples":[{"text":"x","label":"p"},{"text":"y","label":"p"},{"text":"z","label":"q"}]}""", 400, "examples" },
        { "v1/classify", """{"model":"embedder","inputs":["a"],"examples":[{"text":"","label":"p"}]}""", 400, "examples[0]" },
        { "v1/classify", """{"model":"embedder","inputs":[]}""", 400, "inputs" },
        { "v1/classify", """{"model":"embedder","inputs":[""],"examples":[{"text":"x","label":"p"},{"text":"y","label":"p"},{"text":"z","label":"q"},{"text":"w","label":"q"}]}""", 400, "inputs[0]" },
        { "v1/classify", """{"model":"classifier","inputs":["a"],"examples":[{"text":"x","label":"p"}]}""", 400, "examples" },
        { "v1/classify", """{"model":"reranker","inputs":["a"]}""", 400, "model" },
        { "v1/classify", """{"model":"tiny-chat","inputs":["a"]}""", 400, "model" },
        { "v2/rerank", """{"model":"reranker","query":"","documents":["a"]}""", 400, "query" },
        { "v2/rerank", """{"model":"reranker","query":"q","documents":[]}""", 400, "documents" },
        { "v2/rerank", """{"model":"reranker","query":"q","documents":"a"}""", 400, "documents" },
        { "v2/rerank", """{"model":"reranker","query":"q","documents":["a",{"text":"b"}]}""", 400, "documents[1]" },
        { "v2/rerank", """{"model":"reranker","query":"q","documents":["a",""]}""", 400, "documents[1]" },
        { "v2/rerank", """{"model":"reranker","query":"q","documents":["a"],"top_n":0}""", 400, "top_n" },
        { "v2/rerank", """{"model":"reranker","query":"q","documents":["a"],"max_tokens_per_doc":0}""", 400, "max_tokens_per_doc" },
        { "v2/rerank", """{"model":"tiny-chat","query":"q","documents":["a"]}""", 400, "model" },
        { "v2/rerank", """{"model":"classifier","query":"q","documents":["a"]}""", 400, "model" },
        { "v2/rerank", """{"model":"nope","query":"q","documents":["a"]}""", 404, "model" },
        { "v1/rerank", """{"model":"reranker","query":"q","documents":[{"title":"b"}]}""", 400, "documents[0]" },
        { "v2/embed", """{"model":"reranker","texts":["a"],"input_type":"search_query"}""", 400, "model" },
        { "v2/embed", """{"model":"embedder","texts":["a"],"input_type":"search_query","truncate":"MIDDLE"}""", 400, "truncate" },
        { "v2/embed", """{"model":"embedder","texts":[""],"input_type":"search_query"}""", 400, "texts[0]" },
        { "v1/embeddings", """{"model":"embedder","input":[[1,2,3]]}""", 400, "input[0]" },
        { "v1/embeddings", """{"model":"embedder","input":"a","dimensions":33}""", 400, "dimensions" },
        { "v2/chat", """{"model":"embedder","messages":[{"role":"user","content":"hi"}]}""", 400, "model" },
        { "v1/chat/completions", """{"model":"reranker","messages":[{"role":"user","content":"hi"}]}""", 400, "model" },
    };

    [Theory, MemberData(nameof(BadRequests))]
    public async Task BadRequestsGetAJsonErrorNamingTheField(string path, string json, int status, string? param)
    {
        using var client = server.Client();
        using var response = await client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((HttpStatusCode)status == response.StatusCode, $"{path} {json}: {(int)response.StatusCode} {text}");
        var root = JsonDocument.Parse(text).RootElement;
        var error = root.TryGetProperty("error", out var nested) ? nested : root;
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    private async Task AssertError(string path, object body, int status, string param)
    {
        using var client = server.Client();
        using var response = await client.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((HttpStatusCode)status == response.StatusCode, $"{path}: {(int)response.StatusCode} {text}");
        var root = JsonDocument.Parse(text).RootElement;
        var error = root.TryGetProperty("error", out var nested) ? nested : root;
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();
}
