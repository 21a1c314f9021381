using System.Globalization;

namespace Strata.Serving.Storage;

/// <summary>
/// How Strata's SQLite stores keep times: fixed-width UTC text to the millisecond, readable in the sqlite3 shell and
/// ordered correctly by string comparison (so <c>created_at &gt;= @since</c> works on the text).
/// </summary>
internal static class SqliteTime
{
    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
