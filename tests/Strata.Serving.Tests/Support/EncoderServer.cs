using Strata.Serving.Hosting;
using Strata.Serving.Registry;

namespace Strata.Serving.Tests.Support;

/// <summary>
/// A real Strata server like <see cref="RunningServer"/> that also serves encoders: the tiny golden checkpoints of the
/// numpy BERT reference (an embedding model, a one-logit cross-encoder, a three-label classifier) and the
/// <c>bert-tiny</c> preset, whose character-level vocabulary spells any English text.
/// </summary>
public class EncoderServer : RunningServer
{
    public const string Embedder = "embedder", Reranker = "reranker", Classifier = "classifier", TinyEmbedder = "bert-tiny";

    public static string GoldenEncoder(string name) =>
        Path.Combine(TestPaths.RepositoryRoot, "tests", "Strata.Models.Tests", "Golden", "encoders", name);

    protected override ServerOptions CreateOptions()
    {
        var options = DefaultOptions(CreateModelDirectory());
        string tiny = Path.Combine(TestPaths.NewTemporaryDirectory(), TinyEmbedder);
        Strata.Models.Encoders.EncoderPresets.Create("bert-tiny", tiny, seed: 1);
        return options with
        {
            Models =
            [
                .. options.Models,
                new ModelSource(GoldenEncoder("bert-mean"), Embedder),
                new ModelSource(GoldenEncoder("bert-cross-encoder"), Reranker),
                new ModelSource(GoldenEncoder("bert-classifier-3"), Classifier),
                new ModelSource(tiny, TinyEmbedder),
            ],
        };
    }
}
