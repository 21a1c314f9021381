using System.Text.Json.Nodes;
using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Judging;

/// <summary>
/// A person's vote on one battle with both conversations, in the shape of Chatbot Arena's published conversation
/// data (<c>lmsys/chatbot_arena_conversations</c>) and of <c>strata arena export</c>: <c>{question_id, model_a,
/// model_b, winner: "model_a"|"model_b"|"tie"|"tie (bothbad)", conversation_a, conversation_b}</c>, each conversation
/// a list of <c>{role, content}</c> turns.
/// </summary>
public sealed record HumanVote(string Id, string ModelA, string ModelB, BattleOutcome Outcome,
    IReadOnlyList<string> Messages, IReadOnlyList<string> AnswersA, IReadOnlyList<string> AnswersB)
{
    public JsonObject ToJson() => new()
    {
        ["question_id"] = Id,
        ["model_a"] = ModelA,
        ["model_b"] = ModelB,
        ["winner"] = WinnerName(Outcome),
        ["conversation_a"] = Conversation(AnswersA),
        ["conversation_b"] = Conversation(AnswersB),
        ["turn"] = Messages.Count,
    };

    /// <summary>Chatbot Arena's name of an outcome: <c>model_a</c>, <c>model_b</c>, <c>tie</c> or <c>tie (bothbad)</c>.</summary>
    public static string WinnerName(BattleOutcome outcome) => outcome switch
    {
        BattleOutcome.A => "model_a",
        BattleOutcome.B => "model_b",
        BattleOutcome.BothBad => "tie (bothbad)",
        _ => "tie",
    };

    private JsonArray Conversation(IReadOnlyList<string> answers)
    {
        var turns = new JsonArray();
        for (int i = 0; i < Messages.Count; i++)
        {
            turns.Add(new JsonObject { ["role"] = "user", ["content"] = Messages[i] });
            turns.Add(new JsonObject { ["role"] = "assistant", ["content"] = answers[i] });
        }
        return turns;
    }

    /// <summary>Reads a votes file; lines whose two conversations do not share their user turns are refused.</summary>
    /// <exception cref="InvalidDataException">A malformed line (file and line named).</exception>
    public static IReadOnlyList<HumanVote> Load(string path) => JsonLines.Read(File.ReadLines(path), path, Parse);

    private static HumanVote Parse(JsonObject row, int line)
    {
        string winner = row["winner"]?.GetValue<string>() ?? throw new InvalidDataException("no 'winner'");
        var outcome = winner switch
        {
            "model_a" => BattleOutcome.A,
            "model_b" => BattleOutcome.B,
            "tie" => BattleOutcome.Tie,
            "tie (bothbad)" => BattleOutcome.BothBad,
            _ => throw new InvalidDataException($"winner '{winner}' is not model_a, model_b, tie or 'tie (bothbad)'"),
        };
        var (messagesA, answersA) = Split(row["conversation_a"], "conversation_a");
        var (messagesB, answersB) = Split(row["conversation_b"], "conversation_b");
        if (!messagesA.SequenceEqual(messagesB)) throw new InvalidDataException("conversation_a and conversation_b ask different questions");
        string id = row["question_id"]?.ToJsonString().Trim('"') ?? line.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new HumanVote(id, row["model_a"]?.GetValue<string>() ?? throw new InvalidDataException("no 'model_a'"),
            row["model_b"]?.GetValue<string>() ?? throw new InvalidDataException("no 'model_b'"), outcome, messagesA, answersA, answersB);
    }

    private static (List<string> Messages, List<string> Answers) Split(JsonNode? conversation, string field)
    {
        if (conversation is not JsonArray turns || turns.Count == 0 || turns.Count % 2 != 0) throw new InvalidDataException($"'{field}' is not user/assistant pairs");
        var messages = new List<string>();
        var answers = new List<string>();
        for (int i = 0; i < turns.Count; i += 2)
        {
            if (turns[i]?["role"]?.GetValue<string>() != "user" || turns[i + 1]?["role"]?.GetValue<string>() != "assistant")
            {
                throw new InvalidDataException($"'{field}' turn {i / 2 + 1} is not a user message followed by an assistant answer");
            }
            messages.Add(turns[i]!["content"]!.GetValue<string>());
            answers.Add(turns[i + 1]!["content"]!.GetValue<string>());
        }
        return (messages, answers);
    }
}
