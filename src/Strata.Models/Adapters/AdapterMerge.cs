using Strata.Models.Llama;
using Strata.Models.Loading;

namespace Strata.Models.Adapters;

/// <summary>
/// <c>strata merge</c>: a base model folder plus a LoRA adapter folder → one plain HF model folder with W + scale·B·A in
/// every adapted projection (PEFT's <c>merge_and_unload</c>), which every backend and GGUF export then read as any model.
/// </summary>
public static class AdapterMerge
{
    // Files of a model folder that describe how to talk to it, not its weights. The adapter folder's copies win: a
    // tuning run writes the chat template it trained with there.
    private static readonly string[] TalkFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "chat_template.jinja", "vocab.txt"];

    /// <returns>The adapter's settings and how many base weights it changed.</returns>
    /// <exception cref="InvalidDataException">The adapter does not fit the base model (names the tensor).</exception>
    public static (LoraConfig Adapter, int MergedMatrices) Run(string baseModel, string adapterDirectory, string output)
    {
        if (!Directory.Exists(adapterDirectory)) throw new DirectoryNotFoundException($"{adapterDirectory}: adapter folder not found");
        if (Path.GetFullPath(output) == Path.GetFullPath(baseModel)) throw new ArgumentException("--out must not be the base model's folder (it would be overwritten)");
        var package = ModelPackage.Open(baseModel);
        using var model = package.LoadTorchModel();
        using var adapter = LoraAdapter.Load(adapterDirectory, model.Config);
        adapter.MergeInto(model);
        LlamaCheckpoint.Save(model, output);
        foreach (string name in TalkFiles)
        {
            string source = File.Exists(Path.Combine(adapterDirectory, name)) ? Path.Combine(adapterDirectory, name) : Path.Combine(package.Path, name);
            if (File.Exists(source)) File.Copy(source, Path.Combine(output, name), overwrite: true);
        }
        return (adapter.Config, adapter.Config.LayerTargets.Count() * model.Config.NumHiddenLayers + (adapter.Embedding is null ? 0 : 1));
    }
}
