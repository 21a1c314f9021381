using static TorchSharp.torch;

namespace Strata.Models.Checkpoints;

public sealed partial class CheckpointWeights
{
    /// <summary>
    /// Fills every parameter of a model from this checkpoint, converting to the parameter's dtype: how any model family
    /// loads. <paramref name="storedAs"/> maps a parameter to its name in the file where the two differ (a prefix).
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape; the message names the folder and tensor.</exception>
    public void CopyInto(IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> parameters, IReadOnlyDictionary<string, string>? storedAs = null)
    {
        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                string source = storedAs?.GetValueOrDefault(name) ?? name;
                if (!Contains(source)) throw new InvalidDataException($"{Directory}: missing tensor '{name}'");
                long[] shape = Info(source).Shape;
                if (!shape.SequenceEqual(parameter.shape))
                {
                    throw new InvalidDataException(
                        $"{Directory}: tensor '{source}' has shape [{string.Join(", ", shape)}], config.json implies [{string.Join(", ", parameter.shape)}]");
                }
                using var value = Load(source, parameter.dtype);
                parameter.copy_(value);
            }
        }
    }
}
