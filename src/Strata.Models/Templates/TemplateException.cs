namespace Strata.Models.Templates;

/// <summary>
/// A chat template could not be parsed, or failed while rendering (including the template's own
/// <c>raise_exception(message)</c>, whose message is <see cref="Exception.Message"/> unchanged).
/// </summary>
public sealed class TemplateException : Exception
{
    public TemplateException()
    {
    }

    public TemplateException(string message)
        : base(message)
    {
    }

    public TemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A syntax or runtime error at a place in the template source.</summary>
    /// <param name="line">1-based line of the template source.</param>
    /// <param name="column">1-based column of the template source.</param>
    public TemplateException(string message, int line, int column)
        : base($"{message} (line {line}, column {column})")
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line in the template source, or null when the error has no place (e.g. raise_exception).</summary>
    public int? Line { get; }

    /// <summary>1-based column in the template source, or null when the error has no place.</summary>
    public int? Column { get; }

    /// <summary>True when the template itself called <c>raise_exception</c>.</summary>
    public bool RaisedByTemplate { get; init; }
}
