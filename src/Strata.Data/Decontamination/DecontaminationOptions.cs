namespace Strata.Data.Decontamination;

/// <summary>Decontamination settings.</summary>
/// <param name="N">
/// Words per n-gram; 13 as in GPT-3 and lm-eval-harness. An eval item with fewer words is indexed as one n-gram of all
/// its words, so it matches a training document containing that exact word sequence.
/// </param>
/// <param name="Mode">Remove overlapping training documents or only flag them.</param>
public sealed record DecontaminationOptions(int N = 13, DecontaminationMode Mode = DecontaminationMode.Remove);
