using System.Globalization;
using System.Text;

namespace Strata.Models.Templates;

/// <summary>Python's printf-style <c>format % values</c>, behind the <c>%</c> operator on strings and the
/// <c>format</c> filter: <c>%s %r %d %i %f %x %X %o %e %c %%</c>, with flags, width, precision and <c>%(name)s</c>.</summary>
internal static class JinjaFormat
{
    public static string Printf(string format, object? values)
    {
        IReadOnlyList<object?> positional = values switch
        {
            object?[] tuple => tuple,
            _ => [values],
        };
        var mapping = values as JinjaDict;
        var text = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                text.Append(format[i]);
                continue;
            }
            if (++i >= format.Length) throw new JinjaRuntimeError("incomplete format");
            object? value;
            if (format[i] == '(')
            {
                int close = format.IndexOf(')', i);
                if (close < 0 || mapping is null) throw new JinjaRuntimeError("format requires a mapping");
                string key = format[(i + 1)..close];
                value = mapping.TryGetValue(key, out object? found) ? found : throw new JinjaRuntimeError($"KeyError: '{key}'");
                i = close + 1;
            }
            else
            {
                value = null;
            }
            int specStart = i;
            while (i < format.Length && "-+ #0".Contains(format[i])) i++;
            while (i < format.Length && char.IsAsciiDigit(format[i])) i++;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                while (i < format.Length && char.IsAsciiDigit(format[i])) i++;
            }
            if (i >= format.Length) throw new JinjaRuntimeError("incomplete format");
            char conversion = format[i];
            if (conversion == '%')
            {
                text.Append('%');
                continue;
            }
            if (format[specStart - 1] != ')')
            {
                if (next >= positional.Count) throw new JinjaRuntimeError("not enough arguments for format string");
                value = positional[next++];
            }
            text.Append(FormatOne(format[specStart..i], conversion, value));
        }
        if (mapping is null && next < positional.Count && values is object?[])
        {
            throw new JinjaRuntimeError("not all arguments converted during string formatting");
        }
        return text.ToString();
    }

    private static string FormatOne(string spec, char conversion, object? value)
    {
        bool leftAlign = spec.Contains('-'), zeroPad = spec.TrimStart('-', '+', ' ', '#').StartsWith('0') || spec.StartsWith('0');
        string plus = spec.Contains('+') ? "+" : spec.Contains(' ') ? " " : "";
        string numbers = spec.TrimStart('-', '+', ' ', '#', '0');
        int dot = numbers.IndexOf('.');
        int width = int.TryParse(dot < 0 ? numbers : numbers[..dot], out int w) ? w : 0;
        int? precision = dot < 0 ? null : int.TryParse(numbers[(dot + 1)..], out int p) ? p : 0;
        string body = conversion switch
        {
            's' => precision is int ps ? JinjaValues.ToStr(value)[..Math.Min(ps, JinjaValues.ToStr(value).Length)] : JinjaValues.ToStr(value),
            'r' => JinjaValues.Repr(value),
            'd' or 'i' or 'u' => Signed(JinjaValues.IsNumber(value) ? (long)Math.Truncate(JinjaValues.ToDouble(value)) : throw NotNumber(value), plus),
            'f' or 'F' => Signed(JinjaValues.ToDouble(value), plus, "F" + (precision ?? 6)),
            'e' or 'E' => Signed(JinjaValues.ToDouble(value), plus, (precision == 0 ? "0" : "0." + new string('0', precision ?? 6)) + conversion + "+00"),
            'x' => JinjaValues.ToLong(value).ToString("x", CultureInfo.InvariantCulture),
            'X' => JinjaValues.ToLong(value).ToString("X", CultureInfo.InvariantCulture),
            'o' => Convert.ToString(JinjaValues.ToLong(value), 8),
            'c' => value is string c ? c : char.ConvertFromUtf32((int)JinjaValues.ToLong(value)),
            _ => throw new JinjaRuntimeError($"unsupported format character '{conversion}'"),
        };
        if (body.Length >= width) return body;
        if (leftAlign) return body.PadRight(width);
        if (zeroPad && conversion is not ('s' or 'r' or 'c'))
        {
            bool signed = body.StartsWith('-') || body.StartsWith('+') || body.StartsWith(' ');
            return signed ? body[0] + body[1..].PadLeft(width - 1, '0') : body.PadLeft(width, '0');
        }
        return body.PadLeft(width);
    }

    private static JinjaRuntimeError NotNumber(object? value) => new($"%d format: a real number is required, not {JinjaValues.TypeName(value)}");

    private static string Signed(long value, string plus) =>
        (value >= 0 ? plus : "") + value.ToString(CultureInfo.InvariantCulture);

    private static string Signed(double value, string plus, string format) =>
        (value >= 0 ? plus : "") + value.ToString(format, CultureInfo.InvariantCulture);
}
