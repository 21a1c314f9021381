using System.Text;

namespace Strata.Models.Templates;

/// <summary>
/// How documents are shown to a model whose chat template has no documents section (ChatML and most others): a system
/// message with an instruction and the documents listed by id. One home, because the server builds this prompt for
/// grounded chat and the quickstart tunes its dialogue model on exactly the same text.
/// </summary>
public static class GroundedPrompt
{
    public const string Instruction = "Answer using the documents below, in their own words where you can. If they do not contain the answer, say so.";

    /// <summary>The system message: the instruction, then each document as <c>[id]</c> and its text.</summary>
    public static string Listing(IEnumerable<(string Id, string Text)> documents)
    {
        var listing = new StringBuilder(Instruction).Append('\n');
        foreach (var (id, text) in documents) listing.Append($"\n[{id}]\n{text}\n");
        return listing.ToString();
    }
}
