using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Strata.Models.Adapters;

/// <summary>
/// A LoRA adapter's settings, read and written as PEFT's <c>adapter_config.json</c> (<c>peft_type: "LORA"</c>,
/// <c>task_type: "CAUSAL_LM"</c>), so adapters move between Strata and Hugging Face PEFT unchanged.
/// </summary>
public sealed record LoraConfig
{
    public const string FileName = "adapter_config.json";

    /// <summary>The projections LoRA can adapt in a Llama-layout model (PEFT's <c>target_modules</c> names).</summary>
    public static readonly IReadOnlyList<string> KnownTargets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>
    /// The token embedding, which LoRA can also adapt (PEFT's <c>lora_embedding_A</c> [r, vocab] / <c>lora_embedding_B</c>
    /// [hidden, r]). In a model whose LM head is the embedding, the adapted matrix is still tied when
    /// <see cref="EnsureWeightTying"/> is set, so the update reaches the output as well as the input.
    /// </summary>
    public const string EmbeddingTarget = "embed_tokens";

    /// <summary>The rank r of each update B·A.</summary>
    [JsonPropertyName("r")] public int Rank { get; init; } = 8;

    /// <summary>The update is scaled by alpha / r (alpha / √r with <see cref="UseRsLora"/>).</summary>
    [JsonPropertyName("lora_alpha")] public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the adapter's input during training (0 = none, PEFT's default).</summary>
    [JsonPropertyName("lora_dropout")] public double Dropout { get; init; }

    [JsonPropertyName("target_modules")] public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>Rank-stabilised LoRA (Kalajdzievski 2023): scale alpha / √r, so larger ranks keep learning.</summary>
    [JsonPropertyName("use_rslora")] public bool UseRsLora { get; init; }

    /// <summary>The base model the adapter was trained on (informational, as in PEFT).</summary>
    [JsonPropertyName("base_model_name_or_path")] public string? BaseModelNameOrPath { get; init; }

    /// <summary>
    /// PEFT's <c>ensure_weight_tying</c>: an adapted embedding stays tied to a tied LM head (the update applies to both).
    /// Strata sets it whenever it adapts the embedding; PEFT adapters without it adapt the input embedding alone.
    /// </summary>
    [JsonPropertyName("ensure_weight_tying")] public bool EnsureWeightTying { get; init; }

    [JsonIgnore] public double Scale => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>Whether the token embedding is adapted.</summary>
    [JsonIgnore] public bool AdaptsEmbedding => TargetModules.Contains(EmbeddingTarget);

    /// <summary>The adapted projections of every decoder layer (the targets other than the embedding).</summary>
    [JsonIgnore] public IEnumerable<string> LayerTargets => TargetModules.Where(t => t != EmbeddingTarget);

    /// <exception cref="ArgumentException">A setting out of range or an unknown target module, named.</exception>
    public void Validate()
    {
        if (Rank < 1) throw new ArgumentException($"r (--lora-rank) must be at least 1, not {Rank}");
        if (!(Alpha > 0)) throw new ArgumentException($"lora_alpha (--lora-alpha) must be positive, not {Alpha}");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"lora_dropout (--lora-dropout) must be in [0, 1), not {Dropout}");
        if (TargetModules.Count == 0) throw new ArgumentException("target_modules (--lora-targets) names no module");
        foreach (string target in TargetModules)
        {
            if (!KnownTargets.Contains(target) && target != EmbeddingTarget)
            {
                throw new ArgumentException($"target_modules (--lora-targets): unknown module '{target}'; a Llama-layout model has {string.Join(", ", KnownTargets)}, {EmbeddingTarget}");
            }
        }
        if (TargetModules.Distinct().Count() != TargetModules.Count) throw new ArgumentException("target_modules (--lora-targets) names a module twice");
    }

    /// <summary>Reads PEFT's <c>adapter_config.json</c> from an adapter directory.</summary>
    /// <exception cref="InvalidDataException">Not a LoRA adapter for a causal LM, or a setting Strata cannot apply; the message names the file and key.</exception>
    public static LoraConfig Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found (a PEFT adapter directory holds {FileName} and adapter_model.safetensors)", path);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        string? Text(string key) => json[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (Text("peft_type") is { } type && type != "LORA") throw new InvalidDataException($"{path}: peft_type is '{type}'; Strata loads LORA adapters");
        if (Text("task_type") is { } task && task != "CAUSAL_LM") throw new InvalidDataException($"{path}: task_type is '{task}'; Strata loads CAUSAL_LM adapters");
        if (Text("bias") is { } bias && bias != "none") throw new InvalidDataException($"{path}: bias is '{bias}'; Strata loads adapters with bias \"none\"");
        foreach (string key in new[] { "use_dora", "fan_in_fan_out" })
        {
            if (json[key] is JsonValue flag && flag.TryGetValue(out bool on) && on) throw new InvalidDataException($"{path}: {key} is true, which Strata does not apply");
        }
        foreach (string key in new[] { "rank_pattern", "alpha_pattern" })
        {
            if (json[key] is JsonObject { Count: > 0 }) throw new InvalidDataException($"{path}: {key} (per-module ranks) is not supported");
        }
        var targets = json["target_modules"] switch
        {
            JsonArray array => array.Select(t => t?.GetValue<string>() ?? "").ToList(),
            JsonValue single when single.TryGetValue(out string? one) => throw new InvalidDataException($"{path}: target_modules is the pattern '{one}'; give a list of module names"),
            _ => throw new InvalidDataException($"{path}: target_modules is missing"),
        };
        var config = new LoraConfig
        {
            Rank = json["r"]?.GetValue<int>() ?? throw new InvalidDataException($"{path}: r is missing"),
            Alpha = json["lora_alpha"]?.GetValue<double>() ?? throw new InvalidDataException($"{path}: lora_alpha is missing"),
            Dropout = json["lora_dropout"]?.GetValue<double>() ?? 0,
            TargetModules = targets.Order(StringComparer.Ordinal).ToList(),
            UseRsLora = json["use_rslora"]?.GetValue<bool>() ?? false,
            EnsureWeightTying = json["ensure_weight_tying"] is JsonValue tying && tying.TryGetValue(out bool tied) && tied,
            BaseModelNameOrPath = Text("base_model_name_or_path"),
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        return config;
    }

    /// <summary>Writes PEFT's <c>adapter_config.json</c> (the keys PEFT's LoraConfig reads, with its defaults for the rest).</summary>
    public void Save(string directory)
    {
        var json = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["lora_alpha"] = Alpha,
            ["lora_dropout"] = Dropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = Rank,
            ["rank_pattern"] = new JsonObject(),
            ["target_modules"] = new JsonArray(TargetModules.Select(t => (JsonNode?)t).ToArray()),
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = UseRsLora,
        };
        // Written only when it matters, so adapters of the projections alone still load in PEFT releases before 0.18.
        if (EnsureWeightTying) json["ensure_weight_tying"] = true;
        File.WriteAllText(Path.Combine(directory, FileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}

/// <summary>The projections of <see cref="LoraConfig.KnownTargets"/>, in that order (a decoder layer's update slots).</summary>
public enum LoraTarget
{
    Query,
    Key,
    Value,
    Output,
    Gate,
    Up,
    Down,
}
