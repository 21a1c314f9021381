using Strata.Serving.Api;
using Strata.Serving.Arena;

namespace Strata.Serving.Tests.Arena;

/// <summary>The arena's pure rules: what counts as naming a model, when two prompts are the same, and how errors hide names.</summary>
public sealed class VoteHygieneTests
{
    [Theory]
    [InlineData("I am Llama-3, made by Meta.", "llama-3", true)]
    [InlineData("llama-3.", "llama-3", true)]
    [InlineData("Call me (phi).", "phi", true)]
    [InlineData("Philosophy is hard.", "phi", false)]
    [InlineData("qwen2 and qwen25 differ", "qwen2", true)]
    [InlineData("qwen25 only", "qwen2", false)]
    [InlineData("tiny-chat-b", "tiny-chat", true)]
    [InlineData("", "tiny-chat", false)]
    [InlineData("anything", "", false)]
    public void NamesAreFoundAsWholeWordsIgnoringCase(string text, string name, bool found) =>
        Assert.Equal(found, VoteHygiene.Mentions(text, name));

    [Fact]
    public void PromptsDifferingInCaseAndSpacingAreOnePrompt()
    {
        Assert.Equal(VoteHygiene.PromptKey("What is  the capital\nof France?"), VoteHygiene.PromptKey(" what is the CAPITAL of france? "));
        Assert.NotEqual(VoteHygiene.PromptKey("What is the capital of France?"), VoteHygiene.PromptKey("What is the capital of Spain?"));
        Assert.Matches("^[0-9a-f]{64}$", VoteHygiene.PromptKey("x"));
    }

    [Fact]
    public void ErrorsFromTheGenerationPathNameNoModel()
    {
        var battle = new ArenaBattle("battle_1", "acme", "tiny-chat", "tiny-chat-b", DateTimeOffset.UnixEpoch);
        var busy = ArenaSecrecy.Hide(new ApiException(429, "model 'tiny-chat-b' has 64 requests waiting; retry shortly", null, "rate_limit_exceeded") { RetryAfterSeconds = 1 }, battle, ArenaSide.B);
        Assert.Equal((429, "model B has 64 requests waiting; retry shortly", "rate_limit_exceeded", (int?)1), (busy.Status, busy.Message, busy.Code, busy.RetryAfterSeconds));

        var full = ArenaSecrecy.Hide(ApiException.BadRequest("the prompt has 600 tokens; the model's context holds 512, leaving no room for a reply", "message", "context_length_exceeded"), battle, ArenaSide.A);
        Assert.Equal((400, "message"), (full.Status, full.Param));
        Assert.DoesNotContain("512", full.Message, StringComparison.Ordinal);
        Assert.Contains("model A", full.Message, StringComparison.Ordinal);

        var gone = ArenaSecrecy.Hide(ApiException.ModelNotFound("tiny-chat"), battle, ArenaSide.A);
        Assert.Equal((409, "model_unavailable", (string?)null), (gone.Status, gone.Code, gone.Param));
        Assert.DoesNotContain("tiny-chat", gone.Message, StringComparison.OrdinalIgnoreCase);

        var failed = ArenaSecrecy.Failed(new InvalidOperationException("engine strata-engine-tiny-chat-b crashed; TINY-CHAT saw it"), battle, ArenaSide.B);
        Assert.Equal((500, "model B failed: engine strata-engine-model B crashed; model A saw it"), (failed.Status, failed.Message));
    }
}
