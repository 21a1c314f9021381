using System.Text.Json.Nodes;
using Strata.Data.Filters;

namespace Strata.Data.Tests.Filters;

using static Samples;

public class CodeClassifierTests
{
    private static readonly CodeClassifier Classifier = new();

    private static string Repo(params string[] path) => File.ReadAllText(Path.Combine([TestPaths.RepositoryRoot, .. path]));

    public static TheoryData<string> CodeFiles() => new()
    {
        "src/Strata.Data/Filters/C4Filter.cs",
        "src/Strata.Data/Document.cs",
        "src/Strata.Data/Pipeline/IDocumentStage.cs",
        "tests/tools/llama_reference.py",
        "tests/tools/franc-detect.mjs",
        "tests/tools/make-language-profiles.mjs",
    };

    [Theory]
    [MemberData(nameof(CodeFiles))]
    public void SourceFilesAreCode(string path)
    {
        var doc = Doc(Repo(path.Split('/')));
        Assert.True(Classifier.Apply(doc).Kept);
        Assert.True(doc.IsCode, path);
    }

    [Fact]
    public void ProseIsNotCode()
    {
        foreach (var text in new[]
        {
            Prose,
            File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "german.txt")),
            string.Join('\n', File.ReadAllLines(Path.Combine(TestPaths.SharedData, "bpe-training", "corpus.en")).Take(40)),
            File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "tinystories_sample.txt")),
        })
        {
            var doc = Doc(text);
            Assert.True(Classifier.Apply(doc).Kept);
            Assert.Equal(ContentKinds.Prose, doc.ContentKind);
        }
    }

    [Fact]
    public void ShebangIsCode() => Assert.True(Classifier.IsCode("#!/bin/sh\nmake all\n"));

    [Fact]
    public void KeepsAnEarlierKindForProseButMarksCode()
    {
        var markdown = new Document("m", Prose, new JsonObject { [Document.ContentKindKey] = ContentKinds.Markdown });
        Classifier.Apply(markdown);
        Assert.Equal(ContentKinds.Markdown, markdown.ContentKind);
        var html = new Document("h", Repo("src", "Strata.Data", "Document.cs"), new JsonObject { [Document.ContentKindKey] = ContentKinds.Html });
        Classifier.Apply(html);
        Assert.Equal(ContentKinds.Code, html.ContentKind);
    }

    [Fact]
    public void GopherQualityWouldRemoveTheCodeTheClassifierProtects()
    {
        // The pipeline routes IsCode documents around ProseOnly stages; this shows what that routing saves.
        var code = Doc(Repo("src", "Strata.Data", "Filters", "C4Filter.cs"));
        var gopher = new GopherQualityFilter();
        Assert.True(gopher.ProseOnly);
        Assert.False(gopher.Apply(code).Kept);
        Classifier.Apply(code);
        Assert.True(code.IsCode);
        Assert.True(gopher.Apply(Doc(Prose)).Kept);
    }
}
