using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strata.Models.Generation.Verification;

/// <summary>
/// A program that says whether an answer is right without trusting the model: the check behind verified search
/// (<see cref="BestOfN"/>). Answers are judged trimmed. Built-ins, by spec:
/// <c>json</c> (any valid JSON value), <c>regex:PATTERN</c> (the whole answer matches), <c>exact:TEXT</c> (equal to TEXT),
/// <c>number:VALUE</c> (the answer's last number equals VALUE) and <c>python-tests:FILE</c> (the answer's code passes the
/// file's tests, run in a sandboxed subprocess with a timeout; see <see cref="PythonTests"/>).
/// </summary>
public abstract partial class AnswerVerifier
{
    private AnswerVerifier(string spec) => Spec = spec;

    /// <summary>How the verifier was named (<c>regex:^\d+$</c>).</summary>
    public string Spec { get; }

    public abstract bool Accepts(string answer);

    /// <exception cref="ArgumentException">An unknown verifier or an invalid pattern or number, named.</exception>
    public static AnswerVerifier Parse(string spec)
    {
        int colon = spec.IndexOf(':');
        string kind = colon < 0 ? spec : spec[..colon], argument = colon < 0 ? "" : spec[(colon + 1)..];
        return kind switch
        {
            "json" when colon < 0 => new Json(spec),
            "regex" => new Pattern(spec, argument),
            "exact" => new Exact(spec, argument.Trim()),
            "number" => double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                ? new Number(spec, value)
                : throw new ArgumentException($"verifier '{spec}': '{argument}' is not a number"),
            "python-tests" => PythonTests(argument),
            _ => throw new ArgumentException($"unknown verifier '{spec}': use json, regex:PATTERN, exact:TEXT, number:VALUE or python-tests:FILE"),
        };
    }

    private sealed class Json(string spec) : AnswerVerifier(spec)
    {
        public override bool Accepts(string answer)
        {
            try
            {
                using var _ = JsonDocument.Parse(answer.Trim());
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }
    }

    private sealed class Pattern : AnswerVerifier
    {
        private readonly Regex regex;

        public Pattern(string spec, string pattern) : base(spec)
        {
            try
            {
                // Anchored: the whole answer must match. A timeout bounds catastrophic backtracking on model output.
                regex = new Regex($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"verifier '{spec}': invalid pattern ({e.Message})", e);
            }
        }

        public override bool Accepts(string answer)
        {
            try
            {
                return regex.IsMatch(answer.Trim());
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }
    }

    private sealed class Exact(string spec, string expected) : AnswerVerifier(spec)
    {
        public override bool Accepts(string answer) => answer.Trim() == expected;
    }

    private sealed partial class Number(string spec, double expected) : AnswerVerifier(spec)
    {
        public override bool Accepts(string answer)
        {
            var numbers = NumberPattern().Matches(answer);
            return numbers.Count > 0
                && double.TryParse(numbers[^1].Value.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                && Math.Abs(value - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected));
        }

        [GeneratedRegex(@"-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")]
        private static partial Regex NumberPattern();
    }
}
