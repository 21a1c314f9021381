namespace Strata.Models.Generation.Constraints;

/// <summary>
/// Where a JSON recognizer stands after some bytes: an immutable value (the open containers are a persistent linked
/// list), so exploring a byte costs a copy of a few fields and a rejected path needs no undo.
/// </summary>
public readonly record struct JsonState
{
    internal JsonMode Mode { get; init; }
    internal Frame? Stack { get; init; }

    /// <summary>In a string: 0 plain, 1 after a backslash, 2–5 hex digits of a \u escape still to come.</summary>
    internal byte Escape { get; init; }

    /// <summary>UTF-8 continuation bytes still to come in a string, and the range the next one must fall in.</summary>
    internal byte Continuations { get; init; }
    internal byte NextLow { get; init; }
    internal byte NextHigh { get; init; }

    internal bool StringIsKey { get; init; }
    internal NumberPhase Number { get; init; }

    /// <summary>In a literal: which one and how many of its bytes have been read.</summary>
    internal byte Literal { get; init; }
    internal byte LiteralRead { get; init; }

    internal byte Whitespace { get; init; }
}

internal enum JsonMode : byte
{
    /// <summary>A value must come (after a colon, a comma in an array, or at the top).</summary>
    Value,

    /// <summary>Just after '[': a value or ']'.</summary>
    ValueOrEnd,

    /// <summary>Just after '{': a key or '}'.</summary>
    KeyOrEnd,

    /// <summary>After a comma in an object: a key.</summary>
    Key,
    Colon,

    /// <summary>A value ended inside a container: ',' or the container's end.</summary>
    AfterValue,
    InString,
    InNumber,
    InLiteral,

    /// <summary>The top-level value is complete.</summary>
    Done,
}

internal enum NumberPhase : byte
{
    Minus,
    Zero,
    Integer,
    Dot,
    Fraction,
    Exponent,
    ExponentSign,
    ExponentDigits,
}

/// <summary>An open container: an object or an array, and the one around it.</summary>
internal sealed record Frame(bool IsObject, Frame? Outer);

/// <summary>
/// JSON (RFC 8259) recognised one byte at a time, as constrained decoding needs it: for any prefix, which next bytes keep
/// it the start of a valid document. Strings must be valid UTF-8 (no surrogates, no overlong forms) without control
/// characters; whitespace runs are capped so a model cannot stall in them. With <c>objectOnly</c> the document must
/// be an object, as OpenAI's <c>json_object</c> mode requires.
/// </summary>
public static class JsonRecognizer
{
    /// <summary>The longest run of whitespace allowed between tokens (enough for pretty-printed nesting).</summary>
    public const int MaxWhitespace = 16;

    private static readonly byte[][] Literals = ["true"u8.ToArray(), "false"u8.ToArray(), "null"u8.ToArray()];

    public static JsonState Start { get; } = new() { Mode = JsonMode.Value };

    /// <summary>True when the bytes so far form a whole document (a top-level number needs nothing more to end).</summary>
    public static bool IsComplete(in JsonState state) =>
        state.Mode == JsonMode.Done
        || (state.Mode == JsonMode.InNumber && state.Stack is null && NumberCanEnd(state.Number));

    /// <summary>The state after <paramref name="b"/>, or false when no valid document continues this way.</summary>
    public static bool TryAdvance(in JsonState state, byte b, bool objectOnly, out JsonState next)
    {
        next = state;
        switch (state.Mode)
        {
            case JsonMode.Done:
                // Only whitespace may follow the document, and only a little.
                if (!IsWhitespace(b) || state.Whitespace >= MaxWhitespace) return false;
                next = state with { Whitespace = (byte)(state.Whitespace + 1) };
                return true;
            case JsonMode.InString:
                return String(state, b, out next);
            case JsonMode.InLiteral:
                {
                    var literal = Literals[state.Literal];
                    if (b != literal[state.LiteralRead]) return false;
                    next = state.LiteralRead + 1 == literal.Length ? ValueEnded(state) : state with { LiteralRead = (byte)(state.LiteralRead + 1) };
                    return true;
                }
            case JsonMode.InNumber:
                if (NumberByte(state.Number, b) is NumberPhase phase)
                {
                    next = state with { Number = phase };
                    return true;
                }
                // Anything else ends the number, if it can end here, and is then read as what follows a value.
                return NumberCanEnd(state.Number) && TryAdvance(ValueEnded(state), b, objectOnly, out next);
        }
        if (IsWhitespace(b))
        {
            if (state.Whitespace >= MaxWhitespace) return false;
            next = state with { Whitespace = (byte)(state.Whitespace + 1) };
            return true;
        }
        var fresh = state with { Whitespace = 0 };
        switch (state.Mode)
        {
            case JsonMode.Value:
            case JsonMode.ValueOrEnd:
                if (b == ']' && state.Mode == JsonMode.ValueOrEnd)
                {
                    next = ValueEnded(fresh with { Stack = fresh.Stack!.Outer });
                    return true;
                }
                if (objectOnly && state.Stack is null && b != '{') return false;
                return StartValue(fresh, b, out next);
            case JsonMode.KeyOrEnd:
                if (b == '}')
                {
                    next = ValueEnded(fresh with { Stack = fresh.Stack!.Outer });
                    return true;
                }
                goto case JsonMode.Key;
            case JsonMode.Key:
                if (b != '"') return false;
                next = fresh with { Mode = JsonMode.InString, StringIsKey = true, Escape = 0, Continuations = 0 };
                return true;
            case JsonMode.Colon:
                if (b != ':') return false;
                next = fresh with { Mode = JsonMode.Value };
                return true;
            case JsonMode.AfterValue:
                {
                    bool inObject = state.Stack!.IsObject;
                    if (b == ',')
                    {
                        next = fresh with { Mode = inObject ? JsonMode.Key : JsonMode.Value };
                        return true;
                    }
                    if (b == (inObject ? '}' : ']'))
                    {
                        next = ValueEnded(fresh with { Stack = state.Stack.Outer });
                        return true;
                    }
                    return false;
                }
            default:
                return false;
        }
    }

    private static bool StartValue(in JsonState state, byte b, out JsonState next)
    {
        next = state;
        switch (b)
        {
            case (byte)'{':
                next = state with { Mode = JsonMode.KeyOrEnd, Stack = new Frame(true, state.Stack) };
                return true;
            case (byte)'[':
                next = state with { Mode = JsonMode.ValueOrEnd, Stack = new Frame(false, state.Stack) };
                return true;
            case (byte)'"':
                next = state with { Mode = JsonMode.InString, StringIsKey = false, Escape = 0, Continuations = 0 };
                return true;
            case (byte)'-':
                next = state with { Mode = JsonMode.InNumber, Number = NumberPhase.Minus };
                return true;
            case (byte)'0':
                next = state with { Mode = JsonMode.InNumber, Number = NumberPhase.Zero };
                return true;
            case >= (byte)'1' and <= (byte)'9':
                next = state with { Mode = JsonMode.InNumber, Number = NumberPhase.Integer };
                return true;
            case (byte)'t':
            case (byte)'f':
            case (byte)'n':
                next = state with { Mode = JsonMode.InLiteral, Literal = (byte)(b == 't' ? 0 : b == 'f' ? 1 : 2), LiteralRead = 1 };
                return true;
            default:
                return false;
        }
    }

    /// <summary>A value (or a whole container) just ended: a key expects its colon, anything else what follows a value.</summary>
    private static JsonState ValueEnded(in JsonState state)
    {
        if (state.Mode == JsonMode.InString && state.StringIsKey) return state with { Mode = JsonMode.Colon, Whitespace = 0 };
        return state with { Mode = state.Stack is null ? JsonMode.Done : JsonMode.AfterValue, Whitespace = 0 };
    }

    private static bool String(in JsonState state, byte b, out JsonState next)
    {
        next = state;
        if (state.Continuations > 0)
        {
            if (b < state.NextLow || b > state.NextHigh) return false;
            next = state with { Continuations = (byte)(state.Continuations - 1), NextLow = 0x80, NextHigh = 0xBF };
            return true;
        }
        if (state.Escape == 1)
        {
            if (b == 'u')
            {
                next = state with { Escape = 5 };
                return true;
            }
            if (b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                next = state with { Escape = 0 };
                return true;
            }
            return false;
        }
        if (state.Escape >= 2)
        {
            if (!IsHex(b)) return false;
            next = state with { Escape = (byte)(state.Escape == 2 ? 0 : state.Escape - 1) };
            return true;
        }
        switch (b)
        {
            case (byte)'"':
                next = ValueEnded(state);
                return true;
            case (byte)'\\':
                next = state with { Escape = 1 };
                return true;
            case < 0x20:
                return false;
            case < 0x80:
                return true;
        }
        var (count, low, high) = Utf8.Lead(b);
        if (count == 0) return false;
        next = state with { Continuations = count, NextLow = low, NextHigh = high };
        return true;
    }

    /// <summary>The number's phase after <paramref name="b"/>, or null when <paramref name="b"/> cannot continue it.</summary>
    private static NumberPhase? NumberByte(NumberPhase phase, byte b)
    {
        bool digit = b is >= (byte)'0' and <= (byte)'9';
        return phase switch
        {
            NumberPhase.Minus => b == '0' ? NumberPhase.Zero : digit ? NumberPhase.Integer : null,
            NumberPhase.Zero => b == '.' ? NumberPhase.Dot : b is (byte)'e' or (byte)'E' ? NumberPhase.Exponent : null,
            NumberPhase.Integer => digit ? NumberPhase.Integer : b == '.' ? NumberPhase.Dot : b is (byte)'e' or (byte)'E' ? NumberPhase.Exponent : null,
            NumberPhase.Dot => digit ? NumberPhase.Fraction : null,
            NumberPhase.Fraction => digit ? NumberPhase.Fraction : b is (byte)'e' or (byte)'E' ? NumberPhase.Exponent : null,
            NumberPhase.Exponent => digit ? NumberPhase.ExponentDigits : b is (byte)'+' or (byte)'-' ? NumberPhase.ExponentSign : null,
            NumberPhase.ExponentSign => digit ? NumberPhase.ExponentDigits : null,
            NumberPhase.ExponentDigits => digit ? NumberPhase.ExponentDigits : null,
            _ => null,
        };
    }

    private static bool NumberCanEnd(NumberPhase phase) => phase is NumberPhase.Zero or NumberPhase.Integer or NumberPhase.Fraction or NumberPhase.ExponentDigits;

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
}
