using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Tests.Ratings;

public class AnswerStyleTests
{
    [Fact]
    public void Counts_headers_list_items_and_bold_spans_line_by_line()
    {
        const string text = """
            # Title
            Some **bold** text and __more bold__ and **unclosed.
            ## Section
            ####### seven hashes is not a header
            #NoSpace is not a header
            - one
            * two
              + nested three
            1. first
            12. twelfth
            -not a list item
            3.5 is not a list item
            """;

        var style = AnswerStyle.Of(text);

        Assert.Equal(2, style.Headers);
        Assert.Equal(5, style.ListItems);
        Assert.Equal(2, style.BoldSpans);
    }

    [Fact]
    public void Length_is_the_token_count_when_given_else_whitespace_separated_words()
    {
        Assert.Equal(5, AnswerStyle.Of("one two\tthree\n\nfour   five ").Length);
        Assert.Equal(42, AnswerStyle.Of("one two", tokens: 42).Length);
        Assert.Equal(new AnswerStyle(0, 0, 0, 0), AnswerStyle.Of(""));
    }

    [Fact]
    public void Markdown_inside_fenced_code_is_not_counted_but_its_words_are()
    {
        const string text = """
            ```python
            # a comment, not a header
            - 1
            x = a**b**c
            ```
            # Real header
            """;

        var style = AnswerStyle.Of(text);

        Assert.Equal((1, 0, 0), (style.Headers, style.ListItems, style.BoldSpans));
        Assert.Equal(16, style.Length);
    }

    [Fact]
    public void Windows_line_endings_count_the_same()
    {
        var style = AnswerStyle.Of("# H\r\n- item\r\n**b**\r\n");

        Assert.Equal(new AnswerStyle(5, 1, 1, 1), style);
    }
}
