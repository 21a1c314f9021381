using Strata.Data.Extraction;

namespace Strata.Data.Tests.Extraction;

public sealed class MarkdownTextTests
{
    [Fact]
    public void KeepsHeadingsParagraphsListsAndCode_DropsUrlsAndImages()
    {
        string markdown = """
            # Install

            Read the [guide](https://example.com/guide) first, **carefully**.
            ![diagram](img/diagram.png)

            - one `item`
            - two

            ```
            dotnet build
            ```
            """;

        Assert.Equal("Install\n\nRead the guide first, carefully.\n\none item\ntwo\n\ndotnet build", MarkdownText.Convert(markdown));
    }

    [Fact]
    public void QuotesAndNestedLists_KeepTheirText()
    {
        Assert.Equal("quoted words\n\na\nb", MarkdownText.Convert("> quoted words\n\n* a\n* b\n"));
    }
}
