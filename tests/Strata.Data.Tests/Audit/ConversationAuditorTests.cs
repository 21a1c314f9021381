using Strata.Data.Audit;

namespace Strata.Data.Tests.Audit;

public sealed class ConversationAuditorTests
{
    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Audit", "Fixtures", "planted.jsonl");

    private static readonly AuditReport Report = ConversationAuditor.Audit(Fixture);

    private static AuditSuspect? ById(string id) => Report.Suspects.SingleOrDefault(s => s.Id == id);

    private static string[] Reasons(string id) => ById(id)?.Findings.Select(f => f.Reason).Distinct().ToArray() ?? [];

    [Theory]
    [InlineData("plant-dup-a", "exact_duplicate_prompt")]
    [InlineData("plant-dup-b", "exact_duplicate_prompt")]
    [InlineData("plant-conflict-a", "conflicting_answers")]
    [InlineData("plant-conflict-b", "conflicting_answers")]
    [InlineData("plant-near-a", "near_duplicate_prompt")]
    [InlineData("plant-near-b", "near_duplicate_prompt")]
    [InlineData("plant-empty-answer", "empty_answer")]
    [InlineData("plant-truncated", "truncated_answer")]
    [InlineData("plant-fence", "truncated_answer")]
    [InlineData("plant-echo", "answer_repeats_prompt")]
    [InlineData("plant-long-answer", "length_outlier")]
    [InlineData("plant-unknown-role", "wrong_role")]
    [InlineData("plant-assistant-first", "wrong_role")]
    [InlineData("plant-system-late", "wrong_role")]
    [InlineData("plant-consecutive", "broken_structure")]
    [InlineData("plant-ends-on-user", "broken_structure")]
    [InlineData("plant-empty-conversation", "empty_conversation")]
    [InlineData("plant-missing-fields", "missing_fields")]
    [InlineData("plant-missing-output", "missing_fields")]
    public void Planted_example_is_flagged_with_its_reason(string id, string reason) =>
        Assert.Contains(reason, Reasons(id));

    [Theory]
    [InlineData("plant-dup-a", "conflicting_answers")]
    [InlineData("plant-dup-b", "conflicting_answers")]
    [InlineData("plant-near-a", "conflicting_answers")]
    [InlineData("plant-near-a", "exact_duplicate_prompt")]
    [InlineData("plant-conflict-a", "near_duplicate_prompt")]
    public void Related_but_different_reason_is_not_raised(string id, string reason) =>
        Assert.DoesNotContain(reason, Reasons(id));

    [Fact]
    public void Clean_examples_are_not_suspects()
    {
        for (int i = 1; i <= 10; i++) Assert.Null(ById($"clean-{i}"));
    }

    [Fact]
    public void Invalid_json_line_is_reported_with_its_line_number()
    {
        var suspect = Assert.Single(Report.Suspects, s => s.Findings.Any(f => f.Reason == "invalid_json"));
        Assert.Equal(3, suspect.Line);
        Assert.Null(suspect.Id);
        Assert.Equal(30, Report.Examples);
    }

    [Fact]
    public void Records_keep_their_line_numbers() => Assert.Equal(30, ById("plant-missing-output")!.Line);

    [Fact]
    public void Broken_records_rank_above_redundant_ones()
    {
        int Rank(Func<AuditSuspect, bool> match) => Report.Suspects.ToList().FindIndex(s => match(s));
        Assert.True(Rank(s => s.Line == 3) < Rank(s => s.Id == "plant-near-a"));
        Assert.True(Rank(s => s.Id == "plant-conflict-b") < Rank(s => s.Id == "plant-dup-a"));
    }

    [Fact]
    public void Summary_counts_examples_per_reason()
    {
        Assert.Equal(2, Report.ReasonCounts["conflicting_answers"]);
        Assert.Equal(4, Report.ReasonCounts["exact_duplicate_prompt"]);
        Assert.Equal(1, Report.ReasonCounts["invalid_json"]);
        Assert.Equal(2, Report.ReasonCounts["missing_fields"]);
    }

    [Fact]
    public void Tool_turns_are_audited_as_the_tuning_reader_reads_them()
    {
        // The auditor and `strata tune` read files through one reader (Strata.Data.Conversations), so a tool-calling
        // conversation that tunes is not reported as a wrong role or an empty answer.
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "tools.jsonl");
        File.WriteAllLines(path,
        [
            """{"id":"tools","messages":[{"role":"user","content":"Weather in Oslo and Rome?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}},{"id":"c2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"4C"},{"role":"tool","tool_call_id":"c2","content":"15C"},{"role":"assistant","content":"Oslo 4C, Rome 15C."}]}""",
            """{"id":"pair","prompt":"Name a fruit.","completion":"Apple"}""",
            """{"id":"robot","messages":[{"role":"robot","content":"Hi"},{"role":"assistant","content":"Hello"}]}""",
        ]);

        var report = ConversationAuditor.Audit(path);

        Assert.Equal(3, report.Examples);
        Assert.DoesNotContain(report.Suspects, s => s.Id is "tools" or "pair");
        Assert.Contains(report.Suspects, s => s.Id == "robot" && s.Findings.Any(f => f.Reason == "wrong_role"));
    }

    [Theory]
    [InlineData("The answer is 42.", null)]
    [InlineData("Sure :)", null)]
    [InlineData("1) first 2) second", null)]
    [InlineData("Paris", null)]
    [InlineData("First add the flour, then the eggs, and", "connector")]
    [InlineData("Call print(x", "unclosed '('")]
    [InlineData("Items: apples, pears,", "ends with ','")]
    public void Truncation_is_conservative(string answer, string? expected)
    {
        string? found = AnswerChecks.Truncation(answer);
        if (expected is null) Assert.Null(found);
        else Assert.Contains(expected, found);
    }
}
