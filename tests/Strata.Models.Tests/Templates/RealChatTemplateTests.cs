using Strata.Models.Templates;

namespace Strata.Models.Tests.Templates;

/// <summary>
/// Every real chat template in ../shared renders byte for byte as Hugging Face's @huggingface/jinja renders it,
/// for every conversation in <see cref="RealTemplateCases"/>; where the reference's template raises an exception,
/// Strata raises a <see cref="TemplateException"/> with the same message. (The few cases the reference cannot
/// render at all are listed, with the reason, in <see cref="RealTemplateCases.ReferenceLimitations"/>.)
/// </summary>
public sealed class RealChatTemplateTests
{
    private static readonly Lazy<Dictionary<string, ReferenceResult>> References = new(() =>
    {
        var cases = RealTemplateCases.All;
        var results = JinjaReference.RenderAll([.. cases.Select(c => c.Request)]);
        return cases.Zip(results).ToDictionary(pair => pair.First.Id, pair => pair.Second);
    });

    private static readonly Dictionary<string, ChatTemplate> Parsed = [];

    public static TheoryData<string> CaseIds => [.. RealTemplateCases.All.Select(c => c.Id)];

    private static ChatTemplate Template(TemplateCase testCase)
    {
        lock (Parsed)
        {
            if (!Parsed.TryGetValue(testCase.Profile.File, out ChatTemplate? template))
            {
                template = new ChatTemplate(testCase.Request.Template, new FixedClock(RealTemplateCases.NowUtc));
                Parsed[testCase.Profile.File] = template;
            }
            return template;
        }
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void RendersLikeHuggingFaceJinja(string id)
    {
        TemplateCase testCase = RealTemplateCases.All.Single(c => c.Id == id);
        ReferenceResult expected = References.Value[id];
        TemplateRequest request = testCase.Request;
        string Render() => Template(testCase).Render(request.Messages, request.AddGenerationPrompt, request.Variables);

        if (RealTemplateCases.ReferenceLimitations.TryGetValue(id, out string? limitation))
        {
            Assert.Equal(limitation, expected.Error);
            Assert.NotEmpty(Render());
        }
        else if (expected.Error is not null)
        {
            var error = Assert.IsType<TemplateException>(Record.Exception(Render), exactMatch: false);
            Assert.True(error.RaisedByTemplate, $"the reference failed with '{expected.Error}' but Strata with '{error.Message}'");
            Assert.Equal(expected.Error, error.Message);
        }
        else
        {
            Assert.Equal(expected.Output, Render());
        }
    }

    [Fact]
    public void EveryTemplateInSharedDataIsCovered()
    {
        var files = Directory.GetFiles(RealTemplateCases.Directory, "*.jinja").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(17, files.Count);
        Assert.Equal(files, RealTemplateCases.Profiles.Select(p => p.File).Order());
    }

    [Fact]
    public void EveryTemplateRendersSomeConversationsWithoutErrors()
    {
        foreach (var group in RealTemplateCases.All.GroupBy(c => c.Profile.Name))
        {
            int rendered = group.Count(c => References.Value[c.Id].Error is null);

            // Guards against a fixture change that leaves a template compared only on its error paths.
            Assert.True(rendered >= 3, $"{group.Key}: only {rendered} conversations render in the reference");
        }
    }
}
