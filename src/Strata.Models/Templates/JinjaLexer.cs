using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Strata.Models.Templates;

/// <summary>
/// Splits a template into text and tag tokens the way Jinja2's lexer does with Hugging Face's settings
/// (<c>trim_blocks=True</c>, <c>lstrip_blocks=True</c>, <c>keep_trailing_newline=False</c>): whitespace control is
/// applied here, so the parser only ever sees final text.
/// </summary>
internal sealed partial class JinjaLexer
{
    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ];

    private readonly string _source;
    private readonly int[] _lineStarts;
    private readonly List<JinjaToken> _tokens = [];
    private int _pos;

    /// <summary>True when the previous tag ended by consuming a newline: lstrip_blocks then applies at the start of the next text.</summary>
    private bool _lineStarting = true;

    private JinjaLexer(string source)
    {
        // Jinja2 normalises newlines to \n and drops one trailing newline before lexing.
        source = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        _source = source;
        var starts = new List<int> { 0 };
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] == '\n') starts.Add(i + 1);
        }
        _lineStarts = [.. starts];
    }

    /// <summary>Tokenizes <paramref name="source"/>; the list ends with an <see cref="JinjaTokenKind.End"/> token.</summary>
    /// <exception cref="TemplateException">An unclosed tag, comment or string, or a character Jinja does not know.</exception>
    public static List<JinjaToken> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_pos < _source.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                AddData(_source[_pos..], _pos);
                break;
            }

            char kind = _source[tag + 1];
            char control = tag + 2 < _source.Length ? _source[tag + 2] : '\0';
            string text = _source[_pos..tag];
            Match raw = kind == '%' ? RawBegin().Match(_source, tag) : Match.Empty;
            bool isRaw = raw.Success && raw.Index == tag;
            text = ApplyLeftControl(text, control, lstripAllowed: kind != '{');
            AddData(text, _pos);
            int contentStart = tag + 2 + (control is '-' or '+' ? 1 : 0);

            if (isRaw) LexRaw(tag, raw);
            else if (kind == '#') LexComment(tag, contentStart);
            else LexTag(tag, contentStart, isBlock: kind == '%');
        }

        _tokens.Add(Token(JinjaTokenKind.End, "", _source.Length));
    }

    private int FindTagStart(int from)
    {
        for (int i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            if (_source[i + 1] is '{' or '%' or '#') return i;
        }
        return -1;
    }

    /// <summary><c>{%-</c> strips all whitespace before the tag; otherwise lstrip_blocks strips spaces and tabs that
    /// stand alone on the tag's line (never for <c>{{</c>, and never with <c>{%+</c>).</summary>
    private string ApplyLeftControl(string text, char control, bool lstripAllowed)
    {
        if (control == '-') return text.TrimEnd();
        if (control == '+' || !lstripAllowed) return text;
        int lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !_lineStarting) return text;
        for (int i = lineStart; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i])) return text;
        }
        return text[..lineStart];
    }

    private void AddData(string text, int position)
    {
        if (text.Length > 0) _tokens.Add(Token(JinjaTokenKind.Data, text, position));
    }

    private void LexComment(int tag, int contentStart)
    {
        int close = _source.IndexOf("#}", contentStart, StringComparison.Ordinal);
        if (close < 0) throw Error("Missing end of comment tag", tag);
        char control = close > contentStart ? _source[close - 1] : '\0';
        _pos = close + 2;
        ApplyRightControl(control);
    }

    /// <summary><c>-%}</c> strips all whitespace after the tag; otherwise trim_blocks drops one newline after a
    /// block or comment tag (never after <c>}}</c>, and never with <c>+%}</c>).</summary>
    private void ApplyRightControl(char control, bool trimBlock = true)
    {
        int start = _pos;
        if (control == '-')
        {
            while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos])) _pos++;
        }
        else if (control != '+' && trimBlock && _pos < _source.Length && _source[_pos] == '\n')
        {
            _pos++;
        }
        _lineStarting = _pos > start && _source[_pos - 1] == '\n';
    }

    private void LexRaw(int tag, Match begin)
    {
        _pos = tag + begin.Length;
        Match end = RawEnd().Match(_source, _pos);
        if (!end.Success) throw Error("Missing end of raw directive", tag);
        string body = _source[_pos..end.Index];
        _lineStarting = begin.Value.EndsWith('\n');
        body = ApplyLeftControl(body, end.Groups[1].Value is [char c] ? c : '\0', lstripAllowed: true);
        AddData(body, _pos);
        _pos = end.Index + end.Length;
        _lineStarting = end.Value.EndsWith('\n');
    }

    private void LexTag(int tag, int contentStart, bool isBlock)
    {
        _tokens.Add(Token(isBlock ? JinjaTokenKind.BlockBegin : JinjaTokenKind.VariableBegin, isBlock ? "{%" : "{{", tag));
        _pos = contentStart;
        string close = isBlock ? "%}" : "}}";
        var brackets = new Stack<char>();
        while (true)
        {
            while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos])) _pos++;
            if (_pos >= _source.Length)
            {
                throw Error(isBlock ? "Missing end of block tag '%}'" : "Missing end of print tag '}}'", tag);
            }

            // Like Jinja, a closing tag only counts where every bracket opened inside the tag is closed again,
            // so a dict literal such as {{ {'a': {'b': 1}} }} is read whole.
            if (brackets.Count == 0 && TryCloseTag(close, isBlock)) return;

            char c = _source[_pos];
            if (c is '"' or '\'') LexString(c);
            else if (char.IsAsciiDigit(c)) LexNumber();
            else if (char.IsLetter(c) || c == '_') LexName();
            else LexOperator(brackets);
        }
    }

    private bool TryCloseTag(string close, bool isBlock)
    {
        char control = _source[_pos] is '-' or '+' ? _source[_pos] : '\0';
        if (control == '+' && !isBlock) control = '\0';
        int at = _pos + (control == '\0' ? 0 : 1);
        if (string.CompareOrdinal(_source, at, close, 0, 2) != 0) return false;
        _tokens.Add(Token(isBlock ? JinjaTokenKind.BlockEnd : JinjaTokenKind.VariableEnd, close, _pos));
        _pos = at + 2;
        ApplyRightControl(control, trimBlock: isBlock);
        return true;
    }

    private void LexString(char quote)
    {
        int start = _pos;
        var text = new StringBuilder();
        _pos++;
        while (true)
        {
            if (_pos >= _source.Length) throw Error("Unterminated string literal", start);
            char c = _source[_pos++];
            if (c == quote) break;
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }
            if (_pos >= _source.Length) throw Error("Unterminated string literal", start);
            AppendEscape(text);
        }
        _tokens.Add(Token(JinjaTokenKind.String, text.ToString(), start));
    }

    /// <summary>Decodes one backslash escape as Python's unicode-escape codec does (Jinja's string literals);
    /// an unknown escape keeps its backslash.</summary>
    private void AppendEscape(StringBuilder text)
    {
        char e = _source[_pos++];
        switch (e)
        {
            case '\n': return;
            case '\\': text.Append('\\'); return;
            case '\'': text.Append('\''); return;
            case '"': text.Append('"'); return;
            case 'a': text.Append('\a'); return;
            case 'b': text.Append('\b'); return;
            case 'f': text.Append('\f'); return;
            case 'n': text.Append('\n'); return;
            case 'r': text.Append('\r'); return;
            case 't': text.Append('\t'); return;
            case 'v': text.Append('\v'); return;
            case 'x': AppendHexEscape(text, 2); return;
            case 'u': AppendHexEscape(text, 4); return;
            case 'U': AppendHexEscape(text, 8); return;
        }
        if (e is >= '0' and <= '7')
        {
            int value = e - '0';
            for (int n = 1; n < 3 && _pos < _source.Length && _source[_pos] is >= '0' and <= '7'; n++)
            {
                value = (value * 8) + (_source[_pos++] - '0');
            }
            text.Append((char)value);
            return;
        }
        text.Append('\\').Append(e);
    }

    private void AppendHexEscape(StringBuilder text, int digits)
    {
        if (_pos + digits > _source.Length ||
            !int.TryParse(_source.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
        {
            throw Error($"Truncated \\{_source[_pos - 1]} escape in string literal", _pos - 2);
        }
        _pos += digits;
        text.Append(char.ConvertFromUtf32(code));
    }

    private void LexNumber()
    {
        int start = _pos;
        while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
        bool isFloat = false;

        // After a dot (items.0.1) digits are attribute indices, never a float.
        bool afterDot = start > 0 && _source[start - 1] == '.';
        if (!afterDot && _pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
        }
        if (!afterDot && _pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            int exponent = _pos + 1;
            if (exponent < _source.Length && _source[exponent] is '+' or '-') exponent++;
            if (exponent < _source.Length && char.IsAsciiDigit(_source[exponent]))
            {
                isFloat = true;
                _pos = exponent;
                while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
            }
        }
        _tokens.Add(Token(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, _source[start.._pos], start));
    }

    private void LexName()
    {
        int start = _pos;
        while (_pos < _source.Length && (char.IsLetterOrDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
        _tokens.Add(Token(JinjaTokenKind.Name, _source[start.._pos], start));
    }

    private void LexOperator(Stack<char> brackets)
    {
        foreach (string op in Operators)
        {
            if (string.CompareOrdinal(_source, _pos, op, 0, op.Length) != 0) continue;
            switch (op)
            {
                case "(": brackets.Push(')'); break;
                case "[": brackets.Push(']'); break;
                case "{": brackets.Push('}'); break;
                case ")" or "]" or "}":
                    if (brackets.Count == 0) throw Error($"Unexpected '{op}'", _pos);
                    char expected = brackets.Pop();
                    if (expected != op[0]) throw Error($"Unexpected '{op}', expected '{expected}'", _pos);
                    break;
            }
            _tokens.Add(Token(JinjaTokenKind.Operator, op, _pos));
            _pos += op.Length;
            return;
        }
        throw Error($"Unexpected character '{_source[_pos]}'", _pos);
    }

    private JinjaToken Token(JinjaTokenKind kind, string text, int position)
    {
        var (line, column) = Place(position);
        return new JinjaToken(kind, text, line, column);
    }

    private (int Line, int Column) Place(int position)
    {
        int index = Array.BinarySearch(_lineStarts, position);
        if (index < 0) index = ~index - 1;
        return (index + 1, position - _lineStarts[index] + 1);
    }

    private TemplateException Error(string message, int position)
    {
        var (line, column) = Place(position);
        return new TemplateException(message, line, column);
    }

    [GeneratedRegex(@"\G\{%(-|\+|)\s*raw\s*(?:-%\}\s*|%\})")]
    private static partial Regex RawBegin();

    [GeneratedRegex(@"\{%(-|\+|)\s*endraw\s*(?:\+%\}|-%\}\s*|%\}\n?)")]
    private static partial Regex RawEnd();
}
