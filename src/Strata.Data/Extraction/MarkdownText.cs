using System.Text;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Strata.Data.Extraction;

/// <summary>
/// Markdown to plain text with Markdig: the text of headings, paragraphs, list items, quotes and code blocks, blocks
/// separated by blank lines and list items on lines of their own; link targets, image syntax, emphasis markers and
/// raw HTML tags are dropped (a link keeps its label).
/// </summary>
public static class MarkdownText
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    /// <summary>Converts Markdown to plain text.</summary>
    public static string Convert(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        var blocks = new List<string>();
        foreach (var block in document)
        {
            AddBlock(block, blocks);
        }
        return string.Join("\n\n", blocks.Where(b => b.Length > 0));
    }

    private static void AddBlock(Block block, List<string> blocks)
    {
        switch (block)
        {
            case ListBlock list:
                // Items as lines of one block, so a list reads as a list rather than as paragraphs.
                blocks.Add(string.Join('\n', list.OfType<ListItemBlock>().Select(ItemText).Where(t => t.Length > 0)));
                break;
            case CodeBlock code:
                blocks.Add(string.Join('\n', code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString())).TrimEnd());
                break;
            case LeafBlock leaf:
                blocks.Add(InlineText(leaf.Inline).Trim());
                break;
            case ContainerBlock container:
                foreach (var child in container)
                {
                    AddBlock(child, blocks);
                }
                break;
        }
    }

    private static string ItemText(ListItemBlock item)
    {
        var parts = new List<string>();
        foreach (var child in item)
        {
            AddBlock(child, parts);
        }
        return string.Join('\n', parts.Where(p => p.Length > 0));
    }

    private static string InlineText(ContainerInline? container)
    {
        var text = new StringBuilder();
        AppendInlines(container, text);
        return text.ToString();
    }

    private static void AppendInlines(ContainerInline? container, StringBuilder text)
    {
        if (container is null)
        {
            return;
        }
        foreach (var inline in container)
        {
            switch (inline)
            {
                case LinkInline { IsImage: true }:
                    break; // alt text of images is not prose of the page
                case LiteralInline literal:
                    text.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case LineBreakInline:
                    text.Append('\n');
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case HtmlEntityInline entity:
                    text.Append(entity.Transcoded.ToString());
                    break;
                case ContainerInline child:
                    AppendInlines(child, text);
                    break;
            }
        }
    }
}
