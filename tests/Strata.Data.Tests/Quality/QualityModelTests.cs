using System.Text.Json.Nodes;
using Strata.Data.Pipeline;
using Strata.Data.Quality;

namespace Strata.Data.Tests.Quality;

/// <summary>
/// The teacher-taught quality classifier against an independent numpy reference (tests/tools/quality_reference.py):
/// the hashed n-gram features, the ridge solution, held-out predictions and agreement; and the pipeline stage.
/// </summary>
public class QualityModelTests
{
    private static readonly JsonObject Golden =
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "quality", "ridge.json")))!.AsObject();

    private static string[] Texts => Golden["texts"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();

    private static double[] Scores => Golden["scores"]!.AsArray().Select(t => t!.GetValue<double>()).ToArray();

    private static int Dimension => Golden["dimension"]!.GetValue<int>();

    private static QualityModel Fitted()
    {
        int train = Golden["train"]!.GetValue<int>();
        return QualityModel.Fit(Texts[..train], Scores[..train], Golden["threshold"]!.GetValue<double>(), Dimension, Golden["l2"]!.GetValue<double>());
    }

    [Fact]
    public void FeaturesAreTheReferencesHashedNGrams()
    {
        var (indices, values) = QualityFeatures.Of(Texts[0], Dimension);
        var expected = Golden["features_of_first"]!.AsObject().ToDictionary(p => int.Parse(p.Key), p => p.Value!.GetValue<double>());
        Assert.Equal(expected.Keys.Order(), indices);
        for (int i = 0; i < indices.Length; i++) Assert.Equal(expected[indices[i]], values[i], 1e-6);
    }

    [Fact]
    public void RidgeFitPredictionsAndAgreementMatchTheReference()
    {
        var model = Fitted();
        var weights = Golden["weights"]!.AsArray().Select(w => w!.GetValue<double>()).ToArray();
        for (int j = 0; j < Dimension; j++) Assert.Equal(weights[j], model.Weights[j], 1e-4);
        Assert.Equal(Golden["bias"]!.GetValue<double>(), model.Bias, 1e-4);

        int train = Golden["train"]!.GetValue<int>();
        var predicted = Texts[train..].Select(model.Predict).ToList();
        var expected = Golden["held_out_predictions"]!.AsArray().Select(p => p!.GetValue<double>()).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], predicted[i], 1e-4);

        var agreement = QualityAgreement.Compute(predicted, Scores[train..], model.Threshold);
        var reference = Golden["agreement"]!.AsObject();
        Assert.Equal(reference["pearson"]!.GetValue<double>(), agreement.Pearson, 1e-4);
        Assert.Equal(reference["mean_absolute_error"]!.GetValue<double>(), agreement.MeanAbsoluteError, 1e-4);
        Assert.Equal(reference["accuracy"]!.GetValue<double>(), agreement.Accuracy, 1e-9);
        Assert.Equal(reference["f1"]!.GetValue<double>(), agreement.F1, 1e-9);
        Assert.True(agreement.Pearson > 0.5, "the sample ratings are learnable; a broken fit would not correlate");
    }

    [Fact]
    public void TheStageDropsOrAnnotatesByPredictedRatingAndASavedModelLoads()
    {
        string folder = TestPaths.NewTemporaryDirectory();
        var model = Fitted();
        model.Save(Path.Combine(folder, "quality.json"));
        var good = new Document("g", "the python function returns a sorted list of values by key, for example", []);
        var bad = new Document("b", "click here! buy now, free offer, win a cheap deal! subscribe", []);
        var drop = (IDocumentStage)StageRegistry.Create(new JsonObject { ["stage"] = "quality_classifier", ["model"] = "quality.json" }, new StageContext(folder));
        Assert.True(drop.Apply(good).Kept);
        var removed = drop.Apply(bad);
        Assert.Equal(QualityClassifierStage.Reason, removed.Reason);

        var annotate = (IDocumentStage)StageRegistry.Create(
            new JsonObject { ["stage"] = "quality_classifier", ["model"] = "quality.json", ["action"] = "annotate" }, new StageContext(folder));
        var kept = annotate.Apply(bad with { Meta = [] });
        Assert.True(kept.Kept);
        Assert.Equal(Math.Round(model.Predict(bad.Text), 3), kept.Document!.Meta[QualityClassifierStage.MetaKey]!.GetValue<double>());

        File.WriteAllText(Path.Combine(folder, "broken.json"), "{\"format\":\"something-else\"}");
        var error = Assert.Throws<InvalidDataException>(() => QualityModel.Load(Path.Combine(folder, "broken.json")));
        Assert.Contains("broken.json", error.Message);
        var missing = Assert.Throws<ArgumentException>(() => StageRegistry.Create(new JsonObject { ["stage"] = "quality_classifier" }, new StageContext(folder)));
        Assert.Contains("quality_classifier", missing.Message);
    }
}
