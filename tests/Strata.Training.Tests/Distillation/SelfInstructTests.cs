using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Training.Distillation;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Distillation;

/// <summary>
/// Self-Instruct expansion: new tasks from the teacher join the pool unless empty, too long or too close to one already
/// there (ROUGE-L ≥ 0.7); rejected ones are kept with their reason; a rerun resumes with the same pool.
/// </summary>
public class SelfInstructTests
{
    /// <summary>A teacher that replies from a script and records what it was asked.</summary>
    private sealed class ScriptedTeacher(params string[] replies) : ITeacher
    {
        private int next;

        public List<string> Requests { get; } = [];

        public string Name => "scripted";

        public int MaxConcurrency => 1;

        public Task<TeacherAnswer> AnswerAsync(IReadOnlyList<ChatMessage> prompt, SamplingOptions sampling, int samples, AnswerVerifier? check, CancellationToken cancellationToken)
        {
            Requests.Add(prompt[^1].Content);
            return Task.FromResult(new TeacherAnswer(replies[next++], Truncated: false, Verified: false));
        }

        public void Dispose()
        {
        }
    }

    [Theory]
    [InlineData("the cat sat on the mat", "the cat lay on a mat", 4.0 / 6)]    // LCS the·cat·on·mat
    [InlineData("a b c d", "a b c d", 1.0)]
    [InlineData("a b", "c d", 0.0)]
    [InlineData("a b c d e f", "a f", 2 * (2.0 / 6) * 1.0 / (2.0 / 6 + 1.0))]  // LCS a·f: precision 2/6, recall 1
    public void RougeLIsTheLongestCommonSubsequenceFMeasure(string candidate, string reference, double expected) =>
        Assert.Equal(expected, SelfInstruct.RougeL(candidate.Split(' '), reference.Split(' ')), 1e-12);

    [Fact]
    public async Task NewTasksAreFilteredKeptWithReasonsAndResumed()
    {
        string output = TestPaths.NewTemporaryDirectory();
        Conversation Seed(string text) => new([new ChatMessage(ChatRole.User, text)]);
        Conversation[] seeds = [Seed("Uppercase: venice"), Seed("Say it twice: crown"), Seed("Count the words: love strong grace")];
        var teacher = new ScriptedTeacher("Uppercase: falcon", "  ", "uppercase: Venice!", "Reverse the letters of: sword", "Name the first letter of: lamb");
        var sampling = new SamplingOptions { Temperature = 1, MaxTokens = 32 };

        var first = await new SelfInstruct(teacher, sampling).ExpandAsync(seeds, output, count: 2);
        Assert.Equal((2, 2, 0), (first.Generated, first.Dropped, first.AlreadyThere));
        Assert.Equal(1, first.DroppedBy["empty task"]);
        Assert.Equal(1, first.DroppedBy["too similar to an existing task"]);
        var kept = ConversationReader.Read(Path.Combine(output, SelfInstruct.PromptsFile), requireAssistant: false).Select(c => c.Messages[0].Content);
        Assert.Equal(["Uppercase: falcon", "Reverse the letters of: sword"], kept);
        Assert.Contains("ROUGE-L 1.00", File.ReadAllText(Path.Combine(output, SelfInstruct.DroppedFile)));
        Assert.All(teacher.Requests, r => Assert.StartsWith("Here are some tasks:\n1. ", r));
        Assert.Contains(teacher.Requests, r => r.Contains("Say it twice: crown"));

        // The rerun starts from the pool it had and asks only for what is missing.
        var more = await new SelfInstruct(teacher, sampling).ExpandAsync(seeds, output, count: 3);
        Assert.Equal((1, 0, 2), (more.Generated, more.Dropped, more.AlreadyThere));
        Assert.Equal(5, teacher.Requests.Count);
    }
}
