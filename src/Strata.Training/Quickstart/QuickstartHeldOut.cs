namespace Strata.Training.Quickstart;

/// <summary>
/// The quickstart's synthetic tuning tasks split into training and held-out examples, the same way every time for
/// the same options: the recipe trains on one side, and <c>strata eval</c>'s quickstart tasks score the other.
/// </summary>
public sealed record QuickstartHeldOut(
    IReadOnlyList<VerifiableExample> CommandTrain,
    IReadOnlyList<VerifiableExample> CommandHeldOut,
    IReadOnlyList<VerifiableExample> DialogueTrain,
    IReadOnlyList<VerifiableExample> DialogueHeldOut)
{
    private const int CommandExamples = 6000, DialogueExamples = 4000, ToolExamples = 3000;

    /// <summary>Tool-use conversations (<see cref="QuickstartTools"/>) for dialogue tuning.</summary>
    public IReadOnlyList<VerifiableExample> ToolTrain { get; init; } = [];

    /// <summary>Held-out tool tasks, none sharing a (tool, arguments) item with <see cref="ToolTrain"/>.</summary>
    public IReadOnlyList<VerifiableExample> ToolHeldOut { get; init; } = [];

    public static QuickstartHeldOut Create(QuickstartOptions options)
    {
        var (commandTrain, commandHeldOut) = SyntheticTasks.Split(SyntheticTasks.Command(CommandExamples, options.Seed), Fraction(options, CommandExamples));
        var (dialogueTrain, dialogueHeldOut) = SyntheticTasks.Split(SyntheticTasks.Dialogue(DialogueExamples, options.Seed + 1), Fraction(options, DialogueExamples));
        var (toolTrain, toolHeldOut) = SyntheticTasks.Split(QuickstartTools.Examples(ToolExamples, options.Seed + 2), Fraction(options, ToolExamples));
        return new QuickstartHeldOut(commandTrain, commandHeldOut.Take(options.HeldOutExamples).ToList(),
            dialogueTrain, dialogueHeldOut.Take(options.HeldOutExamples).ToList())
        {
            ToolTrain = toolTrain,
            // Distinct items: the lookup table has 28 names, so a held-out name would otherwise be asked several times.
            ToolHeldOut = toolHeldOut.DistinctBy(e => e.ItemKey).Take(options.HeldOutExamples).ToList(),
        };
    }

    private static double Fraction(QuickstartOptions options, int count) => Math.Min(0.2, 2.0 * options.HeldOutExamples / count);
}
