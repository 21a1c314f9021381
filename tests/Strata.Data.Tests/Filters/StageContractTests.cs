using Strata.Data.Filters;
using Strata.Data.Normalisation;
using Strata.Data.Pipeline;

namespace Strata.Data.Tests.Filters;

public class StageContractTests
{
    [Fact]
    public void NamesAndProseOnlyAsTheInterfaceSeesThem()
    {
        IDocumentStage[] stages =
        [
            new NormaliseStage(), new GopherQualityFilter(), new GopherRepetitionFilter(), new C4Filter(),
            new FineWebQualityFilter(), new LanguageFilter(), new CodeClassifier(),
        ];
        Assert.Equal(
            ["normalise", "gopher_quality", "gopher_repetition", "c4", "fineweb_quality", "language", "classify_code"],
            stages.Select(s => s.Name));
        Assert.Equal([false, true, true, true, true, true, false], stages.Select(s => s.ProseOnly));
    }
}
