using Strata.Models.Tokenization;
using Strata.Training.Quickstart;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Quickstart;

public sealed class SyntheticTasksTests
{
    private static readonly IReadOnlyList<VerifiableExample> Commands = SyntheticTasks.Command(800, seed: 1);
    private static readonly IReadOnlyList<VerifiableExample> Dialogues = SyntheticTasks.Dialogue(800, seed: 2);

    private static string[] Texts(IEnumerable<VerifiableExample> examples) =>
        [.. examples.Select(e => string.Join("\u0001", e.Conversation.Messages.Select(m => $"{m.Role}:{m.Content}")))];

    [Theory]   // written by hand: the oracle itself must be right before it can judge the generator
    [InlineData("Repeat the word: crown", "crown")]
    [InlineData("Say it twice: sword", "sword sword")]
    [InlineData("Uppercase: hamlet", "HAMLET")]
    [InlineData("What is the first word? king queen prince", "king")]
    [InlineData("What is the last word? king queen prince", "prince")]
    [InlineData("Count the words: night day crown sword", "4")]
    [InlineData("Reverse the order: night day", "day night")]
    [InlineData("Which is longer, sword or king?", "sword")]
    [InlineData("Which is longer, king or queen?", "queen")]
    [InlineData("Tell me a story", null)]
    public void OracleAnswersHandWrittenQuestions(string question, string? expected)
    {
        Assert.Equal(expected, TaskOracle.Answer(question));
        Assert.Equal("SWORD SWORD", TaskOracle.FollowUp("Say it twice: sword", "sword sword", "Now uppercase it."));
        Assert.Equal("prince", TaskOracle.FollowUp("What is the first word? king queen prince", "king", "And the last word?"));
        Assert.Equal("king", TaskOracle.FollowUp("Which is longer, queen or king?", "queen", "And the shorter one?"));
    }

    [Fact]
    public void EveryCommandAnswerIsWhatTheQuestionAsks()
    {
        foreach (var example in Commands)
        {
            var m = example.Conversation.Messages;
            if (example.Kind == "grounded")
            {
                Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant], m.Select(x => x.Role));
                Assert.Equal(TaskOracle.GroundedAnswer(m[0].Content, m[1].Content), m[2].Content);
                Assert.StartsWith(Strata.Models.Templates.GroundedPrompt.Instruction, m[0].Content);
            }
            else
            {
                Assert.Equal([ChatRole.User, ChatRole.Assistant], m.Select(x => x.Role));
                Assert.Equal(TaskOracle.Answer(m[0].Content), m[1].Content);
            }
            Assert.Equal(m[^1].Content, example.ExpectedFinalAnswer);
            Assert.Equal(TaskOracle.ParseConversation(m)!.Value.Kind, example.Kind);
        }
    }

    [Theory]   // written by hand, as the other oracle answers
    [InlineData("What is the crown?", "The crown is silver.")]
    [InlineData("What is the sword?", "The sword is golden.")]
    [InlineData("What is the king?", null)]
    public void OracleAnswersGroundedQuestionsFromTheDocuments(string question, string? expected)
    {
        string system = "Answer using the documents below, in their own words where you can. If they do not contain the answer, say so.\n\n[doc:0]\nThe crown is silver.\n\n[doc:1]\nThe sword is golden.\n";
        Assert.Equal(expected, TaskOracle.GroundedAnswer(system, question));
        Assert.Equal(system, Strata.Models.Templates.GroundedPrompt.Listing([("doc:0", "The crown is silver."), ("doc:1", "The sword is golden.")]));
    }

    [Fact]
    public void EveryDialogueAnswerIsWhatTheQuestionsAsk()
    {
        foreach (var example in Dialogues)
        {
            var m = example.Conversation.Messages;
            Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User, ChatRole.Assistant], m.Select(x => x.Role));
            Assert.Equal(TaskOracle.Answer(m[0].Content), m[1].Content);
            Assert.NotNull(m[3].Content);
            Assert.Equal(TaskOracle.FollowUp(m[0].Content, m[1].Content, m[2].Content), m[3].Content);
            Assert.Equal(m[3].Content, example.ExpectedFinalAnswer);
            Assert.StartsWith(TaskOracle.Parse(m[0].Content)!.Value.Kind + "+", example.Kind);
        }
    }

    [Fact]
    public void KindsAreBalancedAndAnswersShort()
    {
        var commandKinds = Commands.GroupBy(e => TaskOracle.ParseConversation(e.Conversation.Messages)!.Value.Kind).ToList();
        Assert.Equal(9, commandKinds.Count);
        Assert.True(commandKinds.Max(g => g.Count()) - commandKinds.Min(g => g.Count()) <= 1);
        var dialogueKinds = Dialogues.GroupBy(e => e.Conversation.Messages[0].Content.Split(':', '?', ',')[0] + "|" +
            e.Conversation.Messages[2].Content).ToList();
        Assert.Equal(8, dialogueKinds.Count);
        Assert.True(dialogueKinds.Max(g => g.Count()) - dialogueKinds.Min(g => g.Count()) <= 1);
        foreach (var example in Commands.Concat(Dialogues))
        {
            int words = example.ExpectedFinalAnswer.Split(' ').Length;
            Assert.InRange(words, 1, 6);
            Assert.Matches("^(?:(?:[a-z]+|[A-Z]+|[0-9])(?: (?:[a-z]+|[A-Z]+))*|The [a-z]+ is [a-z]+\\.)$", example.ExpectedFinalAnswer);
        }
    }

    [Fact]
    public void WordsComeFromTheWordListWhichShakespeareUses()
    {
        var list = ShakespeareWords.All;
        Assert.InRange(list.Length, 200, 400);
        Assert.Equal(list.Length, list.Distinct().Count());
        Assert.All(list, w => Assert.Matches("^[a-z]{3,8}$", w));
        // Template words must not be task words, or a follow-up could contain its own answer.
        string[] templateWords = ["word", "first", "last", "count", "repeat", "twice", "say", "now", "uppercase", "and",
            "the", "shorter", "one", "longer", "which", "reverse", "order", "what", "words", "it"];
        Assert.Empty(list.Intersect(templateWords));
        var used = Commands.Concat(Dialogues).SelectMany(e => TaskOracle.ParseConversation(e.Conversation.Messages)!.Value.Words);
        Assert.All(used, w => Assert.Contains(w, list));

        string shakespeare = File.ReadAllText(TestPaths.TinyShakespeare).ToLowerInvariant();
        var counts = System.Text.RegularExpressions.Regex.Matches(shakespeare, "[a-z]+").GroupBy(m => m.Value)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.All(list, w => Assert.True(counts.GetValueOrDefault(w) >= 5, $"{w} occurs < 5 times in Shakespeare"));
    }

    [Fact]
    public void SameSeedSameExamplesOtherSeedOthers()
    {
        Assert.Equal(Texts(Commands), Texts(SyntheticTasks.Command(800, seed: 1)));
        Assert.Equal(Texts(Dialogues), Texts(SyntheticTasks.Dialogue(800, seed: 2)));
        Assert.NotEqual(Texts(Commands), Texts(SyntheticTasks.Command(800, seed: 3)));
        Assert.Equal(Texts(SyntheticTasks.Command(50, seed: -7)), Texts(SyntheticTasks.Command(50, seed: -7)));
        Assert.Empty(SyntheticTasks.Dialogue(0, seed: 1));
    }

    [Fact]
    public void SmallSetsDoNotRepeatItems()
    {
        var commands = SyntheticTasks.Command(400, seed: 9);
        Assert.Equal(400, Texts(commands).Distinct().Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HeldOutSharesNoItemWithTrain(bool dialogue)
    {
        var all = dialogue ? Dialogues : Commands;
        var (train, heldOut) = SyntheticTasks.Split(all, 0.2);

        // A partition: every example on exactly one side, order kept.
        Assert.Equal(all.Count, train.Count + heldOut.Count);
        Assert.Equal(all.Where(e => heldOut.Contains(e)), heldOut);
        Assert.DoesNotContain(train, e => heldOut.Any(h => ReferenceEquals(h, e)));
        Assert.InRange(heldOut.Count, 0.15 * all.Count, 0.25 * all.Count);

        var trainItems = train.Select(ItemOf).ToHashSet();
        Assert.All(heldOut, e => Assert.DoesNotContain(ItemOf(e), trainItems));
        // Every kind is represented among the held-out items, so per-kind accuracy exists for each.
        Assert.Equal(all.Select(KindOf).Distinct().Count(), heldOut.Select(KindOf).Distinct().Count());

        var again = SyntheticTasks.Split(all, 0.2);
        Assert.Equal(Texts(heldOut), Texts(again.HeldOut));
        Assert.Empty(SyntheticTasks.Split(all, 0).HeldOut);
        Assert.Empty(SyntheticTasks.Split(all, 1).Train);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticTasks.Split(all, 1.5));
    }

    [Fact]
    public void SplitKeepsDuplicatesTogether()
    {
        // 800 single-word items over ~300 words must repeat: duplicates must still land on one side.
        var many = SyntheticTasks.Command(8 * 600, seed: 4);
        var (train, heldOut) = SyntheticTasks.Split(many, 0.1);
        var trainItems = train.Select(ItemOf).ToHashSet();
        Assert.All(heldOut, e => Assert.DoesNotContain(ItemOf(e), trainItems));
    }

    /// <summary>The template (plus follow-up) and its words; order dropped where no answer depends on it.</summary>
    private static string ItemOf(VerifiableExample example)
    {
        var m = example.Conversation.Messages;
        var (kind, words) = TaskOracle.ParseConversation(m)!.Value;
        string? followUp = m.Count > 2 && m[0].Role == ChatRole.User ? m[2].Content : null;
        var ordered = TaskOracle.OrderFree(kind, followUp) ? words.Order(StringComparer.Ordinal) : words.AsEnumerable();
        return $"{kind}|{followUp}|{string.Join(' ', ordered)}";
    }

    private static string KindOf(VerifiableExample example) =>
        TaskOracle.ParseConversation(example.Conversation.Messages)!.Value.Kind + "|" +
        (example.Conversation.Messages.Count > 2 && example.Conversation.Messages[0].Role == ChatRole.User ? example.Conversation.Messages[2].Content : "");

    [Fact]
    public void DialoguesNeedTheirHistory()
    {
        foreach (var example in Dialogues)
        {
            var m = example.Conversation.Messages;
            var lastUser = m[2].Content.ToLowerInvariant().Split(' ', '.', '?');
            var answerWords = example.ExpectedFinalAnswer.ToLowerInvariant().Split(' ');
            Assert.Empty(answerWords.Intersect(lastUser));
            // The words of the answer are all in the first question: only the history holds them.
            Assert.All(answerWords, w => Assert.Contains(w, TaskOracle.Parse(m[0].Content)!.Value.Words));
        }
        // And the follow-up alone does not determine the answer: each phrase has many different answers.
        Assert.All(Dialogues.GroupBy(e => e.Conversation.Messages[2].Content),
            g => Assert.True(g.Select(e => e.ExpectedFinalAnswer).Distinct().Count() > 20, g.Key));
    }

    [Fact]
    public void JsonlRoundTripsThroughConversationReader()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string path = Path.Combine(directory, "sub", "tasks.jsonl");
        var tricky = new Conversation([new(ChatRole.System, "quote \" backslash \\ tab\t"),
            new(ChatRole.User, "line\nbreak, é, 😀, <|im_end|>"), new(ChatRole.Assistant, "")]);
        var conversations = Commands.Take(50).Concat(Dialogues.Take(50)).Select(e => e.Conversation).Append(tricky).ToList();
        SyntheticTasks.WriteJsonl(conversations, path);

        var read = ConversationReader.Read(path).ToList();
        Assert.Equal(conversations.Count, read.Count);
        for (int i = 0; i < read.Count; i++) Assert.Equal(conversations[i].Messages, read[i].Messages);
        Assert.Equal(conversations.Count, File.ReadAllLines(path).Length);
        Assert.All(File.ReadAllLines(path), line => Assert.Matches("^\\{\"messages\":\\[\\{\"role\":\"(user|system)\",\"content\":", line));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void RenderedDialoguesFitASmallContext()
    {
        var format = new ChatFormat(BundledTokenizer.Load());
        int longest = Commands.Concat(Dialogues).Max(e => format.Render(e.Conversation).InputIds.Length);
        // The quickstart's models have 128–256 positions; the grounded family (two documents and an instruction) is the
        // longest, and its whole conversation still leaves room.
        Assert.InRange(longest, 10, 120);
    }
}
