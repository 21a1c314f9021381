using Microsoft.AspNetCore.Http;
using Strata.Models.Encoders;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.Cohere;

/// <summary>
/// POST /v1/classify, as Cohere's: each input's label. With an embedding model the labels come from <c>examples</c>
/// (at least two labels, each with at least two examples, as Cohere requires), by <see cref="FewShotClassifier"/>; a
/// trained classifier (a BERT sequence classifier with several labels) needs no examples and answers its own labels
/// (<c>id2label</c>) with the softmax of its logits.
/// </summary>
public static class CohereClassifyEndpoint
{
    public const int MaxInputs = 96, MaxExamples = 2500;

    public static async Task HandleAsync(HttpContext http, ModelRegistry registry)
    {
        var request = await JsonBody.ReadAsync<CohereClassifyRequest>(http.Request);
        var encoder = registry.GetEncoder(GenerationSettings.RequireModelName(request.Model));
        if (request.Inputs is null || request.Inputs.Count == 0) throw ApiException.BadRequest("inputs must be a non-empty list of strings", "inputs");
        if (request.Inputs.Count > MaxInputs) throw ApiException.BadRequest($"at most {MaxInputs} inputs per request", "inputs");
        var truncation = EncoderInputs.Truncation(request.Truncate);
        var inputs = request.Inputs.Select((t, i) => EncoderInputs.Encode(encoder, t, $"inputs[{i}]", truncation, EmbeddingRole.Classification)).ToList();

        IReadOnlyList<IReadOnlyList<LabelScore>> scores;
        var head = encoder.Encoder.Config;
        if (encoder.Encoder.Head == EncoderHead.SequenceClassification)
        {
            if (head.LabelCount < 2) throw ApiException.BadRequest($"model '{encoder.Name}' is a cross-encoder (one score), not a classifier", "model");
            if (request.Examples is { Count: > 0 }) throw ApiException.BadRequest($"model '{encoder.Name}' is a trained classifier with its own labels; it takes no examples", "examples");
            var logits = await encoder.RunAsync(e => e.Run(inputs), http.RequestAborted);
            scores = logits.Select(l => (IReadOnlyList<LabelScore>)FewShotClassifier.Softmax(l.Select(x => (double)x).ToArray())
                .Select((p, i) => new LabelScore(head.Labels[i], p)).OrderByDescending(s => s.Confidence).ToList()).ToList();
        }
        else
        {
            var examples = Examples(request.Examples);
            var exampleInputs = examples.Select((e, i) => EncoderInputs.Encode(encoder, e.Text, $"examples[{i}].text", Truncation.End, EmbeddingRole.Classification)).ToList();
            var vectors = await encoder.RunAsync(e => e.Run([.. exampleInputs, .. inputs]), http.RequestAborted);
            var classifier = new FewShotClassifier(examples.Select((e, i) => (vectors[i], e.Label)).ToList());
            scores = vectors.Skip(examples.Count).Select(classifier.Classify).ToList();
        }

        var classifications = request.Inputs.Select((input, i) => Classification(input!, scores[i])).ToList();
        var meta = CohereMeta.Version("1", new CohereBilledUnits(Classifications: request.Inputs.Count));
        await http.Response.WriteAsJsonAsync(new CohereClassifyResponse(Guid.NewGuid().ToString(), classifications, meta), JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static CohereClassification Classification(string input, IReadOnlyList<LabelScore> scores) => new(
        Guid.NewGuid().ToString(), input, scores[0].Label, [scores[0].Label], scores[0].Confidence, [scores[0].Confidence],
        scores.OrderBy(s => s.Label, StringComparer.Ordinal).ToDictionary(s => s.Label, s => new CohereLabelConfidence(s.Confidence)),
        "single-label");

    private static List<(string Text, string Label)> Examples(List<CohereClassifyExample?>? examples)
    {
        if (examples is null || examples.Count == 0) throw ApiException.BadRequest("examples are required with an embedding model: at least two labels, two examples each", "examples");
        if (examples.Count > MaxExamples) throw ApiException.BadRequest($"at most {MaxExamples} examples", "examples");
        var parsed = new List<(string, string)>();
        for (int i = 0; i < examples.Count; i++)
        {
            if (examples[i] is not { Text: { Length: > 0 } text, Label: { Length: > 0 } label }) throw ApiException.BadRequest($"examples[{i}] needs a non-empty text and label", $"examples[{i}]");
            parsed.Add((text, label));
        }
        var counts = parsed.GroupBy(e => e.Item2, StringComparer.Ordinal).ToList();
        if (counts.Count < 2) throw ApiException.BadRequest("examples must cover at least two labels", "examples");
        if (counts.FirstOrDefault(g => g.Count() < 2) is { } thin) throw ApiException.BadRequest($"label '{thin.Key}' has {thin.Count()} example; each label needs at least 2", "examples");
        return parsed;
    }
}
