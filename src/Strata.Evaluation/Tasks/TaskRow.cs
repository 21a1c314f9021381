using System.Text.Json.Nodes;

namespace Strata.Evaluation.Tasks;

/// <summary>One row of a task's data, with where it came from (<c>file:line</c> or <c>file#row</c>) for messages.</summary>
/// <param name="Index">Position in its split, the harness's <c>doc_id</c>.</param>
public sealed record TaskRow(int Index, JsonObject Fields, string Location);
