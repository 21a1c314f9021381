using Strata.Serving.Api;

namespace Strata.Serving.Arena;

/// <summary>
/// Keeps a battle's models anonymous in errors. The generation path names models in its messages (a full queue, a
/// model no longer served) and describes them in others (a context length tells models apart); in the arena such
/// errors say "model A" or "model B" instead.
/// </summary>
public static class ArenaSecrecy
{
    /// <summary><paramref name="error"/> from side <paramref name="side"/>'s generation path, with nothing that identifies its model.</summary>
    public static ApiException Hide(ApiException error, ArenaBattle battle, ArenaSide side)
    {
        string label = Label(side);
        (int status, string message, string? code) = error.Code switch
        {
            "context_length_exceeded" => (400, $"the conversation no longer fits {label}'s context; vote now, or start a new battle", error.Code),
            // The model left the server (a restart with other models): the battle cannot go on, but it still exists.
            "model_not_found" => (409, $"{label} is no longer served; vote now, or start a new battle", "model_unavailable"),
            _ => (error.Status, Names(error.Message, battle), error.Code),
        };
        return new ApiException(status, message, error.Param == "model" ? null : error.Param, code) { RetryAfterSeconds = error.RetryAfterSeconds };
    }

    /// <summary>A failure while <paramref name="side"/> was generating, as the stream's error event reports it.</summary>
    public static ApiException Failed(Exception error, ArenaBattle battle, ArenaSide side) =>
        error is ApiException api ? Hide(api, battle, side) : new ApiException(500, $"{Label(side)} failed: {Names(error.Message, battle)}", null, "generation_failed");

    /// <summary><paramref name="text"/> with both models' names replaced by "model A" and "model B", the longer name first (one may contain the other).</summary>
    public static string Names(string text, ArenaBattle battle)
    {
        foreach (var side in battle.ModelA.Length >= battle.ModelB.Length ? new[] { ArenaSide.A, ArenaSide.B } : [ArenaSide.B, ArenaSide.A])
        {
            string name = battle.Model(side);
            text = text.Replace($"model '{name}'", Label(side), StringComparison.OrdinalIgnoreCase)
                .Replace($"'{name}'", Label(side), StringComparison.OrdinalIgnoreCase)
                .Replace(name, Label(side), StringComparison.OrdinalIgnoreCase);
        }
        return text;
    }

    private static string Label(ArenaSide side) => side == ArenaSide.A ? "model A" : "model B";
}
