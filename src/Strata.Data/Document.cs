using System.Text.Json.Nodes;

namespace Strata.Data;

/// <summary>
/// One document as it flows through the pipeline and as it is stored: a JSONL line <c>{"id","text","meta"}</c>.
/// </summary>
/// <param name="Id">Stable identifier, unique within a corpus (the reader makes one from the source when missing).</param>
/// <param name="Text">The content; raw HTML, Markdown or text before extraction, clean text after it.</param>
/// <param name="Meta">Free-form metadata; stages add to it (e.g. <c>language</c>, <c>content_kind</c>). Never null.</param>
public sealed record Document(string Id, string Text, JsonObject Meta)
{
    /// <summary>Meta key naming what the text is: see <see cref="ContentKinds"/>.</summary>
    public const string ContentKindKey = "content_kind";

    /// <summary>The document's <see cref="ContentKindKey"/>, or null when nothing has classified it yet.</summary>
    public string? ContentKind => Meta[ContentKindKey] is JsonValue value && value.TryGetValue(out string? kind) ? kind : null;

    /// <summary>True when a classifier marked the text as source code (prose-only rules then pass it through).</summary>
    public bool IsCode => ContentKind == ContentKinds.Code;

    /// <summary>The same document with new text (metadata shared: stages own the document they are given).</summary>
    public Document WithText(string text) => this with { Text = text };
}

/// <summary>Values of <see cref="Document.ContentKindKey"/>.</summary>
public static class ContentKinds
{
    public const string Html = "html";
    public const string Markdown = "markdown";
    public const string Pdf = "pdf";
    public const string Prose = "prose";
    public const string Code = "code";
}
