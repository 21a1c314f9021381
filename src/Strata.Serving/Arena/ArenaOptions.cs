namespace Strata.Serving.Arena;

/// <summary>How the arena runs battles and which votes count. Defaults suit a team's private arena.</summary>
public sealed record ArenaOptions
{
    /// <summary>Votes one voter may cast in a rolling day and have counted; later ones are stored as <c>daily_cap</c>.</summary>
    public int DailyVoteCap { get; init; } = 200;

    /// <summary>
    /// Counted votes one first message may gather; votes on further battles that open with it are stored as
    /// <c>duplicate_prompt</c>, so that "hi" asked a thousand times does not decide the ratings.
    /// </summary>
    public int PromptVoteLimit { get; init; } = 50;

    /// <summary>Tokens each side may answer per turn (less when the model's context leaves less).</summary>
    public int MaxTokens { get; init; } = 512;

    /// <summary>Sampling temperature for both sides; null: each model's own default (its generation config, else 1).</summary>
    public double? Temperature { get; init; }

    /// <summary>Turns per battle before the arena asks for a vote.</summary>
    public int MaxTurns { get; init; } = 10;

    /// <summary>Longest message accepted, in characters.</summary>
    public int MaxMessageLength { get; init; } = 16_000;

    /// <exception cref="ArgumentException">A limit below 1, or a temperature outside [0, 2].</exception>
    public void Validate()
    {
        if (DailyVoteCap < 1) throw new ArgumentException("the arena's daily vote cap must be at least 1");
        if (PromptVoteLimit < 1) throw new ArgumentException("the arena's votes per prompt must be at least 1");
        if (MaxTokens < 1) throw new ArgumentException("the arena's max tokens must be at least 1");
        if (MaxTurns < 1) throw new ArgumentException("the arena's turns per battle must be at least 1");
        if (MaxMessageLength < 1) throw new ArgumentException("the arena's message length must be at least 1");
        if (Temperature is double t && !(t >= 0 && t <= 2)) throw new ArgumentException("the arena's temperature must be between 0 and 2");
    }
}
