using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Llama;
using TorchSharp;

namespace Strata.Training.Loop;

/// <summary>
/// Checkpoints of a run under <c>{output}/checkpoints/step-NNNNNNNN/</c>: the trained weights (an HF model directory,
/// or a PEFT adapter directory for LoRA), tokenizer.json, plus optimizer.bin, trainer_state.json and train_config.json. Each is
/// written into a hidden temporary directory and renamed into place, so a crash never leaves a half-written
/// checkpoint; only the newest <c>keep</c> are kept.
/// </summary>
public sealed class TrainingCheckpoints(string outputDirectory, int keep)
{
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer_state.json";
    public const string ConfigFile = "train_config.json";
    private const string BestName = "best";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Root { get; } = Path.Combine(outputDirectory, "checkpoints");

    /// <summary>Writes a checkpoint for <paramref name="state"/>; returns its directory.</summary>
    public string Save(ITrainedWeights trained, AdamW optimizer, TrainerState state, string tokenizerJson, JsonNode config)
    {
        Directory.CreateDirectory(Root);
        string name = "step-" + state.Step.ToString("D8", CultureInfo.InvariantCulture);
        string final = Path.Combine(Root, name);
        string partial = Path.Combine(Root, ".partial-" + name);
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        trained.Save(partial);
        File.Copy(tokenizerJson, Path.Combine(partial, "tokenizer.json"));
        optimizer.Save(Path.Combine(partial, OptimizerFile));
        File.WriteAllText(Path.Combine(partial, ConfigFile), config.ToJsonString(Json));
        File.WriteAllText(Path.Combine(partial, StateFile), JsonSerializer.Serialize(state, Json));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(partial, final);
        Prune();
        return final;
    }

    /// <summary>Writes the weights of the best evaluation so far to checkpoints/best (replaced whole, never half-written).</summary>
    public void SaveBest(ITrainedWeights trained)
    {
        Directory.CreateDirectory(Root);
        string final = Path.Combine(Root, BestName), partial = Path.Combine(Root, ".partial-" + BestName);
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        trained.Save(partial);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(partial, final);
    }

    /// <summary>The weights <see cref="SaveBest"/> wrote, or null.</summary>
    public string? Best() => Directory.Exists(Path.Combine(Root, BestName)) ? Path.Combine(Root, BestName) : null;

    /// <summary>The newest complete checkpoint, or null.</summary>
    public string? Latest() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root, "step-*")
                .Where(d => File.Exists(Path.Combine(d, StateFile)))
                .OrderBy(d => d, StringComparer.Ordinal)
                .LastOrDefault()
            : null;

    /// <summary>Loads weights and optimizer moments into the given objects; returns the saved state.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is incomplete or does not fit the model.</exception>
    public static TrainerState Restore(string checkpoint, ITrainedWeights trained, AdamW optimizer)
    {
        // Straight into the model being trained: no second copy of the weights in memory.
        trained.Load(checkpoint);
        optimizer.Load(Path.Combine(checkpoint, OptimizerFile));
        string statePath = Path.Combine(checkpoint, StateFile);
        return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath))
            ?? throw new InvalidDataException($"{statePath}: empty trainer state");
    }

    private void Prune()
    {
        var complete = Directory.GetDirectories(Root, "step-*").OrderBy(d => d, StringComparer.Ordinal).ToList();
        foreach (string old in complete.Take(Math.Max(0, complete.Count - keep))) Directory.Delete(old, recursive: true);
    }
}
