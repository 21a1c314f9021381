using System.Text;
using System.Text.Json;
using Strata.Models.Templates;
using Strata.Training.Tuning;

namespace Strata.Training.Quickstart;

/// <summary>
/// One verifiable task: a conversation that ends with the assistant's correct final answer (train on it as is), and
/// that answer again (strip the last turn to make an evaluation prompt, then compare the model's reply to it).
/// </summary>
public sealed record VerifiableExample(Conversation Conversation, string ExpectedFinalAnswer)
{
    /// <summary>Which template made it, e.g. "twice" or "twice+upper"; empty for examples built elsewhere.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The (kind, word tuple) identity <see cref="SyntheticTasks.Split"/> keeps on one side; null means
    /// "derive it from the user turns".</summary>
    internal string? ItemKey { get; init; }
}

/// <summary>
/// Templated instruction and dialogue tasks whose answers a program can check, sized for a 1–3M-parameter model
/// with a couple of minutes of tuning: short prompts, answers of one to three words (a four-word sentence copied from
/// a document for the grounded family), every word from <see cref="ShakespeareWords"/>. Kinds are balanced (round-robin, then shuffled) and everything is a pure
/// function of the seed.
/// </summary>
public static class SyntheticTasks
{
    /// <summary>What a template draws: the user turns, one assistant answer per user turn, the task words in the
    /// order asked, and whether their order is irrelevant to the answers (then "X or Y" and "Y or X" are one item
    /// for the split, so a held-out item never has a reordered twin in training).</summary>
    private sealed record Item(string[] Users, string[] Answers, string[] Words, bool OrderFree = false, string? System = null)
    {
        public string Key(string kind) =>
            kind + "|" + string.Join(' ', OrderFree ? Words.Order(StringComparer.Ordinal) : Words.AsEnumerable());
    }

    private static readonly Func<Rng, Item> Repeat = r => One(r, w => ($"Repeat the word: {w}", w));
    private static readonly Func<Rng, Item> Twice = r => One(r, w => ($"Say it twice: {w}", $"{w} {w}"));
    private static readonly Func<Rng, Item> Upper = r => One(r, w => ($"Uppercase: {w}", w.ToUpperInvariant()));
    private static readonly Func<Rng, Item> First = r => List(r, 3, 5, l => ($"What is the first word? {Join(l)}", l[0]));
    private static readonly Func<Rng, Item> Last = r => List(r, 3, 5, l => ($"What is the last word? {Join(l)}", l[^1]));
    private static readonly Func<Rng, Item> Reverse = r => List(r, 2, 3, l => ($"Reverse the order: {Join(l)}", Join(l.Reverse())));

    private static readonly (string Kind, Func<Rng, Item> Make)[] CommandKinds =
    [
        ("repeat", Repeat), ("twice", Twice), ("upper", Upper), ("first", First), ("last", Last),
        ("count", Count), ("reverse", Reverse), ("longer", Longer), ("grounded", Grounded),
    ];

    // Every follow-up is a fixed phrase shared by two kinds ("Now uppercase it." follows both "twice" and
    // "reverse"), so the words of the final answer exist only in the history: a model that ignores earlier turns
    // cannot answer, which is what the dialogue stage has to prove it learned.
    private const string NowUpper = "Now uppercase it.";
    private const string NowTwice = "Now say it twice.";
    private const string AndLast = "And the last word?";
    private const string AndFirst = "And the first word?";
    private const string AndShorter = "And the shorter one?";

    private static readonly (string Kind, Func<Rng, Item> Make)[] DialogueKinds =
    [
        ("twice+upper", r => FollowUp(Twice(r), NowUpper, (a, _) => a.ToUpperInvariant())),
        ("reverse+upper", r => FollowUp(Reverse(r), NowUpper, (a, _) => a.ToUpperInvariant())),
        ("repeat+twice", r => FollowUp(Repeat(r), NowTwice, (a, _) => $"{a} {a}")),
        ("upper+twice", r => FollowUp(Upper(r), NowTwice, (a, _) => $"{a} {a}")),
        ("first+last", r => FollowUp(First(r), AndLast, (_, words) => words[^1])),
        ("count+last", r => FollowUp(Count(r), AndLast, (_, words) => words[^1])),
        ("last+first", r => FollowUp(Last(r), AndFirst, (_, words) => words[0])),
        ("longer+shorter", r => FollowUp(Longer(r), AndShorter, (a, w) => w[0] == a ? w[1] : w[0], orderFree: true)),
    ];

    /// <summary>Task kind names, in the order examples cycle through them.</summary>
    public static IReadOnlyList<string> CommandKindNames { get; } = [.. CommandKinds.Select(k => k.Kind)];

    /// <inheritdoc cref="CommandKindNames"/>
    public static IReadOnlyList<string> DialogueKindNames { get; } = [.. DialogueKinds.Select(k => k.Kind)];

    /// <summary>Single-turn instructions: user asks, assistant answers.</summary>
    public static IReadOnlyList<VerifiableExample> Command(int count, long seed) => Generate(CommandKinds, count, seed);

    /// <summary>Two-turn dialogues: a command, its answer, then a follow-up that refers to the first turn.</summary>
    public static IReadOnlyList<VerifiableExample> Dialogue(int count, long seed) => Generate(DialogueKinds, count, seed);

    /// <summary>
    /// Splits examples so that no (kind, word tuple) item is on both sides: within each kind, the distinct items are
    /// ordered by a stable hash and the first round(<paramref name="heldOutFraction"/> × items) are held out, so
    /// every kind is held out in proportion. Each example lands in exactly one list, in its original order.
    /// </summary>
    public static (IReadOnlyList<VerifiableExample> Train, IReadOnlyList<VerifiableExample> HeldOut) Split(
        IReadOnlyList<VerifiableExample> all, double heldOutFraction)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (!(heldOutFraction >= 0 && heldOutFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "must be in [0, 1]");
        var heldKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kind in all.Select(KeyOf).Distinct(StringComparer.Ordinal).GroupBy(k => k[..k.IndexOf('|')]))
        {
            var keys = kind.OrderBy(StableHash).ThenBy(k => k, StringComparer.Ordinal).ToList();
            int held = (int)Math.Round(heldOutFraction * keys.Count, MidpointRounding.AwayFromZero);
            heldKeys.UnionWith(keys.Take(held));
        }
        var train = new List<VerifiableExample>();
        var heldOut = new List<VerifiableExample>();
        foreach (var example in all) (heldKeys.Contains(KeyOf(example)) ? heldOut : train).Add(example);
        return (train, heldOut);
    }

    /// <summary>Writes one <c>{"messages":[{"role":...,"content":...}]}</c> line per conversation, the format
    /// <see cref="ConversationReader.Read"/> reads.</summary>
    public static void WriteJsonl(IEnumerable<Conversation> conversations, string path)
    {
        ArgumentNullException.ThrowIfNull(conversations);
        ArgumentNullException.ThrowIfNull(path);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var file = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        foreach (var conversation in conversations)
        {
            file.Write(ConversationJson.ToLine(conversation));
            file.Write('\n');
        }
    }

    private static IReadOnlyList<VerifiableExample> Generate((string Kind, Func<Rng, Item> Make)[] kinds, int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Rng(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var examples = new List<VerifiableExample>(count);
        for (int i = 0; i < count; i++)
        {
            var (kind, make) = kinds[i % kinds.Length];
            // Redraw a few times to avoid repeating an item; single-word kinds have only a few hundred items, so a
            // large request must eventually repeat some rather than fail.
            Item item = make(rng);
            for (int attempt = 1; attempt < 32 && !seen.Add(item.Key(kind)); attempt++) item = make(rng);
            string key = item.Key(kind);
            var messages = new List<ChatMessage>();
            if (item.System is not null) messages.Add(new ChatMessage(ChatRole.System, item.System));
            for (int turn = 0; turn < item.Users.Length; turn++)
            {
                messages.Add(new ChatMessage(ChatRole.User, item.Users[turn]));
                messages.Add(new ChatMessage(ChatRole.Assistant, item.Answers[turn]));
            }
            examples.Add(new VerifiableExample(new Conversation(messages), item.Answers[^1]) { Kind = kind, ItemKey = key });
        }
        // Fisher–Yates, so the round-robin of kinds does not leave a periodic pattern in the training stream.
        for (int i = examples.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (examples[i], examples[j]) = (examples[j], examples[i]);
        }
        return examples;
    }

    private static string KeyOf(VerifiableExample example) => example.ItemKey ?? example.Kind + "|" + string.Join(
        "\u0001", example.Conversation.Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Content));

    private static ulong StableHash(string text)
    {
        // FNV-1a: string.GetHashCode is randomized per process, and the split must be the same on every run.
        ulong hash = 14695981039346656037UL;
        foreach (char c in text) hash = (hash ^ c) * 1099511628211UL;
        return Rng.Mix(hash);
    }

    private static Item One(Rng rng, Func<string, (string User, string Answer)> make)
    {
        string word = ShakespeareWords.All[rng.Next(ShakespeareWords.All.Length)];
        var (user, answer) = make(word);
        return new Item([user], [answer], [word]);
    }

    private static Item List(Rng rng, int min, int max, Func<string[], (string User, string Answer)> make)
    {
        string[] words = Distinct(rng, min + rng.Next(max - min + 1));
        var (user, answer) = make(words);
        return new Item([user], [answer], words);
    }

    private static Item Count(Rng rng)
    {
        string[] words = Distinct(rng, 2 + rng.Next(5));
        string answer = words.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new Item([$"Count the words: {Join(words)}"], [answer], words, OrderFree: true);
    }

    private static Item Longer(Rng rng)
    {
        string a, b;
        do
        {
            a = ShakespeareWords.All[rng.Next(ShakespeareWords.All.Length)];
            b = ShakespeareWords.All[rng.Next(ShakespeareWords.All.Length)];
        } while (a.Length == b.Length);   // a tie would have no single right answer
        return new Item([$"Which is longer, {a} or {b}?"], [a.Length > b.Length ? a : b], [a, b], OrderFree: true);
    }

    /// <summary>
    /// The grounded-answer family: one or two one-sentence documents shown as the server shows documents to a ChatML
    /// model (<see cref="GroundedPrompt"/>, ids <c>doc:0</c>, <c>doc:1</c> as Cohere's API numbers string documents), a
    /// question naming one document's subject, and an answer that copies that document's sentence, which the server's
    /// citation aligner then finds in the document and cites. Single-document items teach the copying; two-document
    /// items add choosing the document the question is about.
    /// </summary>
    private static Item Grounded(Rng rng)
    {
        int documents = 1 + rng.Next(2);
        string[] words = Distinct(rng, 2 * documents);
        string[] facts = [.. Enumerable.Range(0, documents).Select(d => $"The {words[2 * d]} is {words[2 * d + 1]}.")];
        int asked = rng.Next(documents);
        string system = GroundedPrompt.Listing(facts.Select((fact, i) => ($"doc:{i}", fact)));
        return new Item([$"What is the {words[2 * asked]}?"], [facts[asked]], words, System: system);
    }

    /// <summary>Adds a second user turn to a one-turn item; <paramref name="answer"/> gets the first answer and the
    /// task words in the order asked. The item stays order-free only if the first one was: "count+last" is not.</summary>
    private static Item FollowUp(Item first, string followUp, Func<string, string[], string> answer, bool orderFree = false) =>
        new([first.Users[0], followUp], [first.Answers[0], answer(first.Answers[0], first.Words)], first.Words,
            orderFree && first.OrderFree);

    private static string[] Distinct(Rng rng, int count)
    {
        var words = new List<string>(count);
        while (words.Count < count)
        {
            string word = ShakespeareWords.All[rng.Next(ShakespeareWords.All.Length)];
            if (!words.Contains(word)) words.Add(word);   // repeated words would make "first"/"count" ambiguous
        }
        return [.. words];
    }

    private static string Join(IEnumerable<string> words) => string.Join(' ', words);

    /// <summary>SplitMix64: tiny, fast, and fixed forever, unlike System.Random whose algorithm may change.</summary>
    private sealed class Rng(long seed)
    {
        private ulong _state = (ulong)seed;

        public int Next(int bound) => (int)(NextUInt64() % (ulong)bound);   // bias < bound / 2^64: negligible

        private ulong NextUInt64() => Mix(_state += 0x9E3779B97F4A7C15UL);

        public static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
