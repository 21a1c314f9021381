namespace Strata.Data.IO;

/// <summary>One record from an input file: a document, or bad input to quarantine.</summary>
/// <param name="Location">Where it came from: <c>file:line</c> for JSON lines, <c>file#row</c> for Parquet, the file otherwise.</param>
public readonly record struct ReadRecord(string Location, Document? Document, BadInput? Error);

/// <summary>Input that could not become a document, kept for inspection instead of crashing the run.</summary>
/// <param name="Reason">Stable reason code: <c>invalid_json</c>, <c>invalid_utf8</c>, <c>missing_text</c>, <c>truncated_file</c>, <c>unreadable_file</c>.</param>
/// <param name="Message">What was wrong, for people.</param>
/// <param name="Raw">The start of the offending input, when there is one.</param>
public sealed record BadInput(string Reason, string Message, string? Raw = null);
