namespace Strata.Evaluation.Tasks;

/// <summary>A task file (or its data) is malformed: the message names the file, the line and the field.</summary>
public sealed class TaskFileException : FormatException
{
    public TaskFileException(string file, long line, string? field, string message)
        : base(field is null ? $"{file}:{line}: {message}" : $"{file}:{line}: {field}: {message}")
    {
        File = file;
        Line = line;
        Field = field;
    }

    public string File { get; }

    /// <summary>1-based line of the offending node (or data row).</summary>
    public long Line { get; }

    /// <summary>The task-file key, or the data row's field, at fault; null when the whole line is.</summary>
    public string? Field { get; }
}
