using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Strata.Evaluation.Reports;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Running;

/// <summary>
/// A model × task already scored in the results folder, reused by a rerun when nothing it depends on changed: the
/// marker beside the samples holds a fingerprint of the task file, its data files (size and time), the limit and the
/// model (its path, and the weights' size and time), and is written only after the samples are complete.
/// </summary>
internal static class SavedRun
{
    public static IReadOnlyList<ItemResult>? TryRead(SuiteOptions options, ModelSpec model, EvaluationTask task, ContaminationReport? contamination)
    {
        if (options.Output is null) return null;
        string samples = ResultsFiles.SamplesPath(options.Output, model.Name, task.Name);
        string marker = samples + ".done";
        if (!File.Exists(samples) || !File.Exists(marker)) return null;
        if (File.ReadAllText(marker).Trim() != Fingerprint(options, model, task)) return null;
        try
        {
            return ResultsFiles.ReadSamples(samples);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            return null;   // unreadable: score again
        }
    }

    public static void Write(SuiteOptions options, ModelSpec model, EvaluationTask task, TaskResult result)
    {
        if (options.Output is null) return;
        ResultsFiles.WriteSamples(result, options.Output);
        File.WriteAllText(ResultsFiles.SamplesPath(options.Output, model.Name, task.Name) + ".done", Fingerprint(options, model, task) + "\n");
    }

    private static string Fingerprint(SuiteOptions options, ModelSpec model, EvaluationTask task)
    {
        var parts = new JsonObject
        {
            ["task_file"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(task.Config.SourceFile))),
            ["data"] = new JsonArray(task.Config.DataFiles.Values.SelectMany(f => f).Select(f => (JsonNode?)Stamp(f)).ToArray()),
            ["limit"] = options.Limit,
            ["chat_template"] = options.ChatTemplate,
            ["model"] = model switch
            {
                ModelSpec.Local local => Stamp(local.Path),
                ModelSpec.Endpoint endpoint => $"{endpoint.Url} {endpoint.Model}",
                _ => model.Name,
            },
        };
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(parts.ToJsonString())));
    }

    /// <summary>A file's (or a folder's files') full path, sizes and write times.</summary>
    private static string Stamp(string path)
    {
        IEnumerable<string> files = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : [path];
        return string.Join(";", files.Where(File.Exists).Select(f =>
        {
            var info = new FileInfo(f);
            return $"{Path.GetFullPath(f)}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
        }));
    }
}
