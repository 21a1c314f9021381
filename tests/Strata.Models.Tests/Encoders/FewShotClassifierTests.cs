using Strata.Models.Encoders;

namespace Strata.Models.Tests.Encoders;

/// <summary>Nearest-centroid classification with softmax confidences, checked against the formula worked by hand.</summary>
public class FewShotClassifierTests
{
    [Fact]
    public void ConfidencesAreTheSoftmaxOfCentroidCosinesOverTheTemperature()
    {
        // Label "a": examples along x (one longer: only directions count); label "b": along y.
        var classifier = new FewShotClassifier([([1, 0], "a"), ([3, 0], "a"), ([0, 1], "b"), ([0, 2], "b")]);
        var scores = classifier.Classify([2, 1]);
        double ca = 2 / Math.Sqrt(5), cb = 1 / Math.Sqrt(5);   // cosines to the centroids (1, 0) and (0, 1)
        double expected = Math.Exp(ca / 0.05) / (Math.Exp(ca / 0.05) + Math.Exp(cb / 0.05));
        Assert.Equal("a", scores[0].Label);
        Assert.Equal(expected, scores[0].Confidence, 12);
        Assert.Equal(1 - expected, scores[1].Confidence, 12);
    }

    [Fact]
    public void CentroidsAreMeansOfUnitVectors()
    {
        // "a" examples at 0° and 90°: centroid at 45°, so a 45° input is closer to "a" than to "b" at 200°.
        var classifier = new FewShotClassifier([([1, 0], "a"), ([0, 5], "a"), ([-1, -0.36f], "b"), ([-2, -0.72f], "b")]);
        Assert.Equal("a", classifier.Classify([1, 1])[0].Label);
        Assert.Equal(1.0, classifier.Classify([0.3f, -0.2f]).Sum(s => s.Confidence), 12);
    }

    [Fact]
    public void OneLabelIsRefusedAndSoftmaxIsStable()
    {
        Assert.Throws<ArgumentException>(() => new FewShotClassifier([([1, 0], "a"), ([2, 0], "a")]));
        var p = FewShotClassifier.Softmax([1000, 999, -1000]);
        Assert.Equal(1 / (1 + Math.Exp(-1) + Math.Exp(-2000)), p[0], 12);
        Assert.All(p, x => Assert.False(double.IsNaN(x)));
    }
}
