using System.Globalization;
using System.Text;

namespace Strata.Models.Generation.Constraints;

/// <summary>
/// A regular expression (the ECMAScript syntax JSON Schema's <c>pattern</c> uses) as a grammar matching exactly the
/// strings it matches whole. Supported: literals and escapes, classes (<c>[a-z]</c>, <c>[^…]</c>, <c>\d \w \s</c> and
/// their negations), <c>.</c>, groups (capturing, <c>(?:…)</c>, named), alternation, the quantifiers <c>* + ? {n} {n,}
/// {n,m}</c> (lazy forms too: laziness does not change which strings match) and <c>^</c>/<c>$</c> at the ends.
/// Backreferences, lookaround, word boundaries and Unicode properties are refused by name.
/// </summary>
/// <remarks>
/// Where ECMAScript and Python differ on a class (<c>\s</c>, <c>.</c>) the grammar keeps to what both accept, so its
/// output matches under either engine. An unanchored pattern is generated as a whole match, which also contains a match.
/// </remarks>
public static class RegexGrammar
{
    /// <summary>Upper bound for an unbounded quantifier's repetitions is none; a bounded one above this is refused (it unrolls).</summary>
    public const int MaxCount = 1000;

    private static readonly CodePointSet Digits = CodePointSet.Of(('0', '9'));
    private static readonly CodePointSet WordChars = CodePointSet.Of(('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_'));

    /// <summary>Whitespace to both ECMAScript and Python: ASCII's.</summary>
    private static readonly CodePointSet Spaces = CodePointSet.Chars(" \t\n\r\f\v");

    /// <summary>Anything either engine could call whitespace (its complement is <c>\S</c> to both).</summary>
    private static readonly CodePointSet AnySpace = CodePointSet.Of((9, 13), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
        (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF));

    /// <summary>What <c>.</c> matches: not a line terminator (ECMAScript's four; Python's one is among them).</summary>
    private static readonly CodePointSet Dot = CodePointSet.Any.Minus(CodePointSet.Of(('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)));

    public static GrammarPart Parse(string pattern) => new Parser(pattern).ParseWhole();

    /// <summary>A grammar for the whole-string matches of <paramref name="pattern"/>.</summary>
    public static Grammar Compile(string pattern) => new GrammarBuilder().Build(Parse(pattern));

    private sealed class Parser(string pattern)
    {
        private int at;

        public GrammarPart ParseWhole()
        {
            if (Peek('^')) at++;
            var part = Alternation(topLevel: true);
            if (at < pattern.Length) throw Error(pattern[at] == ')' ? "unbalanced ')'" : $"unexpected '{pattern[at]}'");
            return part;
        }

        private UnsupportedConstraintException Error(string message) => new($"pattern /{pattern}/ at {at}: {message}", "pattern");

        private bool Peek(char c) => at < pattern.Length && pattern[at] == c;

        private GrammarPart Alternation(bool topLevel)
        {
            var options = new List<GrammarPart> { Concatenation(topLevel) };
            while (Peek('|'))
            {
                at++;
                options.Add(Concatenation(topLevel));
            }
            return GrammarPart.Choice([.. options]);
        }

        private GrammarPart Concatenation(bool topLevel)
        {
            var items = new List<GrammarPart>();
            while (at < pattern.Length && pattern[at] is not ('|' or ')'))
            {
                if (pattern[at] == '$')
                {
                    // An end anchor is only meaningful at the very end of the pattern (or of a top-level alternative).
                    at++;
                    if (!topLevel || (at < pattern.Length && pattern[at] != '|')) throw Error("'$' is supported only at the end");
                    break;
                }
                if (pattern[at] == '^') throw Error("'^' is supported only at the start");
                items.Add(Quantified(Atom()));
            }
            return GrammarPart.Sequence([.. items]);
        }

        private GrammarPart Quantified(GrammarPart atom)
        {
            while (at < pattern.Length)
            {
                int min, max;
                switch (pattern[at])
                {
                    case '*': (min, max) = (0, -1); at++; break;
                    case '+': (min, max) = (1, -1); at++; break;
                    case '?': (min, max) = (0, 1); at++; break;
                    case '{' when TryCount(out min, out max): break;
                    default: return atom;
                }
                if (Peek('?')) at++; // lazy: the same strings match
                else if (Peek('+')) throw Error("possessive quantifiers are not supported");
                if (min > MaxCount || max > MaxCount) throw Error($"repetition counts above {MaxCount} are not supported");
                atom = GrammarPart.Repeat(atom, min, max < 0 ? null : max);
            }
            return atom;
        }

        /// <summary>{n}, {n,} or {n,m}; anything else starting with '{' is a literal brace, as ECMAScript's annex B reads it.</summary>
        private bool TryCount(out int min, out int max)
        {
            min = max = 0;
            int close = pattern.IndexOf('}', at);
            if (close < 0) return false;
            string body = pattern[(at + 1)..close];
            string[] bounds = body.Split(',');
            if (bounds.Length > 2 || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out min)) return false;
            if (bounds.Length == 1) max = min;
            else if (bounds[1].Length == 0) max = -1;
            else if (!int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out max)) return false;
            if (max >= 0 && max < min) throw Error($"{{{body}}}: the maximum is below the minimum");
            at = close + 1;
            return true;
        }

        private GrammarPart Atom()
        {
            char c = pattern[at];
            switch (c)
            {
                case '(':
                    {
                        at++;
                        if (Peek('?'))
                        {
                            if (at + 1 < pattern.Length && pattern[at + 1] == ':') at += 2;
                            else if (at + 2 < pattern.Length && pattern[at + 1] == '<' && pattern[at + 2] is not ('=' or '!'))
                            {
                                int close = pattern.IndexOf('>', at);
                                if (close < 0) throw Error("unterminated group name");
                                at = close + 1;
                            }
                            else throw Error("lookaround and inline flags are not supported");
                        }
                        var inner = Alternation(topLevel: false);
                        if (!Peek(')')) throw Error("missing ')'");
                        at++;
                        return inner;
                    }
                case '[':
                    return GrammarPart.Chars(Class());
                case '.':
                    at++;
                    return GrammarPart.Chars(Dot);
                case '\\':
                    return GrammarPart.Chars(Escape(inClass: false));
                case '*' or '+' or '?':
                    throw Error($"nothing to repeat before '{c}'");
                case '{' when at + 1 < pattern.Length && char.IsAsciiDigit(pattern[at + 1]):
                    throw Error("nothing to repeat before '{'");
                default:
                    {
                        var rune = Rune.GetRuneAt(pattern, at);
                        at += rune.Utf16SequenceLength;
                        return GrammarPart.Chars(CodePointSet.Single(rune.Value));
                    }
            }
        }

        private CodePointSet Class()
        {
            at++; // '['
            bool negated = Peek('^');
            if (negated) at++;
            if (Peek(']')) throw Error("an empty class [] is not supported");
            var set = CodePointSet.Empty;
            while (!Peek(']'))
            {
                if (at >= pattern.Length) throw Error("missing ']'");
                var low = ClassAtom();
                if (Peek('-') && at + 1 < pattern.Length && pattern[at + 1] != ']')
                {
                    at++;
                    var high = ClassAtom();
                    if (low.Ranges.Count != 1 || low.Ranges[0].Low != low.Ranges[0].High || high.Ranges.Count != 1 || high.Ranges[0].Low != high.Ranges[0].High)
                        throw Error("a class range needs single characters at both ends");
                    if (high.Ranges[0].Low < low.Ranges[0].Low) throw Error("a class range is out of order");
                    set = set.Union(CodePointSet.Of((low.Ranges[0].Low, high.Ranges[0].Low)));
                }
                else
                {
                    set = set.Union(low);
                }
            }
            at++; // ']'
            return negated ? set.Complement() : set;
        }

        private CodePointSet ClassAtom()
        {
            if (Peek('\\')) return Escape(inClass: true);
            if (Peek('[') && at + 1 < pattern.Length && pattern[at + 1] is ':' or '=' or '.') throw Error("POSIX classes are not supported");
            var rune = Rune.GetRuneAt(pattern, at);
            at += rune.Utf16SequenceLength;
            return CodePointSet.Single(rune.Value);
        }

        private CodePointSet Escape(bool inClass)
        {
            at++; // '\'
            if (at >= pattern.Length) throw Error("a pattern cannot end with '\\'");
            char c = pattern[at++];
            switch (c)
            {
                case 'd': return Digits;
                case 'D': return Digits.Complement();
                case 'w': return WordChars;
                case 'W': return WordChars.Complement();
                case 's': return Spaces;
                case 'S': return AnySpace.Complement();
                case 't': return CodePointSet.Single('\t');
                case 'n': return CodePointSet.Single('\n');
                case 'r': return CodePointSet.Single('\r');
                case 'f': return CodePointSet.Single('\f');
                case 'v': return CodePointSet.Single('\v');
                case '0' when at >= pattern.Length || !char.IsAsciiDigit(pattern[at]): return CodePointSet.Single(0);
                case 'x': return CodePointSet.Single(Hex(2));
                case 'u' when Peek('{'):
                    {
                        int close = pattern.IndexOf('}', at);
                        if (close < 0 || !int.TryParse(pattern.AsSpan(at + 1, close - at - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int value) || value > CodePointSet.MaxCodePoint)
                            throw Error("a bad \\u{…} escape");
                        at = close + 1;
                        return CodePointSet.Single(value);
                    }
                case 'u': return CodePointSet.Single(Hex(4));
                case 'b' when inClass: return CodePointSet.Single('\b');
                case 'b' or 'B': throw Error("word boundaries (\\b, \\B) are not supported");
                case >= '1' and <= '9': throw Error("backreferences are not supported");
                case 'k': throw Error("named backreferences are not supported");
                case 'p' or 'P': throw Error("Unicode property escapes are not supported");
                case 'c': throw Error("control escapes (\\c) are not supported");
                default:
                    if (char.IsAsciiLetterOrDigit(c)) throw Error($"unknown escape \\{c}");
                    return CodePointSet.Single(c); // an escaped punctuation character stands for itself
            }
        }

        private int Hex(int digits)
        {
            if (at + digits > pattern.Length || !int.TryParse(pattern.AsSpan(at, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int value))
                throw Error($"expected {digits} hex digits");
            at += digits;
            return value;
        }
    }
}

/// <summary>A schema or pattern uses something constrained decoding cannot enforce; <see cref="Path"/> names it (e.g. <c>properties.age.minimum</c>).</summary>
public sealed class UnsupportedConstraintException(string message, string path) : Exception(message)
{
    public string Path { get; } = path;
}
