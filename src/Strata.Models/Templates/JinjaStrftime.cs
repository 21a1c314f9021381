using System.Globalization;
using System.Text;

namespace Strata.Models.Templates;

/// <summary>Python's <c>datetime.strftime</c> in the C locale, for transformers' <c>strftime_now(format)</c>
/// (Llama 3.2 writes "Today Date: {{ strftime_now('%d %b %Y') }}"). Also glibc's <c>%-d</c> (no padding).</summary>
internal static class JinjaStrftime
{
    public static string Format(DateTimeOffset now, string format)
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                text.Append(format[i]);
                continue;
            }
            bool unpadded = format[i + 1] == '-' && i + 2 < format.Length;
            char code = format[unpadded ? i + 2 : i + 1];
            i += unpadded ? 2 : 1;
            string Number(int value, int width) => unpadded ? value.ToString(c) : value.ToString(c).PadLeft(width, '0');
            text.Append(code switch
            {
                'Y' => now.Year.ToString(c),
                'y' => Number(now.Year % 100, 2),
                'm' => Number(now.Month, 2),
                'd' => Number(now.Day, 2),
                'e' => now.Day.ToString(c).PadLeft(2),
                'H' => Number(now.Hour, 2),
                'I' => Number(now.Hour % 12 == 0 ? 12 : now.Hour % 12, 2),
                'M' => Number(now.Minute, 2),
                'S' => Number(now.Second, 2),
                'f' => (now.Ticks % TimeSpan.TicksPerSecond / 10).ToString(c).PadLeft(6, '0'),
                'j' => Number(now.DayOfYear, 3),
                'p' => now.Hour < 12 ? "AM" : "PM",
                'a' => now.ToString("ddd", c),
                'A' => now.ToString("dddd", c),
                'b' or 'h' => now.ToString("MMM", c),
                'B' => now.ToString("MMMM", c),
                'w' => ((int)now.DayOfWeek).ToString(c),
                'z' => (now.Offset < TimeSpan.Zero ? "-" : "+") + now.Offset.ToString("hhmm", c),
                'F' => now.ToString("yyyy-MM-dd", c),
                'T' => now.ToString("HH:mm:ss", c),
                '%' => "%",
                _ => "%" + (unpadded ? "-" : "") + code,
            });
        }
        return text.ToString();
    }
}
