using Strata.Data.Audit;

namespace Strata.Data.Tests.Audit;

/// <summary>FastChat's dummy identity data: 500 ShareGPT conversations built from a few templates, so nearly every
/// prompt sequence occurs 2 to 4 times with paraphrased answers. Expected counts were worked out separately from the
/// file (154 distinct user-turn sequences after normalisation; only one occurs once).</summary>
public sealed class FastChatAuditTests
{
    private static string File => Path.Combine(TestPaths.SharedData, "conversations", "fastchat-dummy_conversation.json");

    [Fact]
    public void Finds_the_repeated_identity_conversations()
    {
        var report = ConversationAuditor.Audit(File);

        Assert.Equal(500, report.Examples);
        Assert.Equal(499, report.ReasonCounts["exact_duplicate_prompt"]);
        // Well-formed ShareGPT: nothing structural is wrong.
        foreach (string reason in new[] { "invalid_json", "missing_fields", "wrong_role", "broken_structure", "empty_answer", "empty_conversation" })
            Assert.Equal(0, report.ReasonCounts[reason]);
        // identity_1 and identity_4 are both just "Who are you?".
        var one = Assert.Single(report.Suspects, s => s.Id == "identity_1");
        Assert.Contains(one.Findings, f => f.Reason == "exact_duplicate_prompt" && f.Detail.Contains("identity_4"));
    }
}
