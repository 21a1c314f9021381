namespace Strata.Evaluation.Models;

/// <summary>
/// lm-evaluation-harness's <c>get_rolling_token_windows</c> (context_len = 1) followed by <c>make_disjoint_window</c>:
/// the text's tokens cut into windows of at most <c>maxLength</c> predicted tokens, each predicted with as many
/// earlier tokens as fit before it, so every token is scored exactly once.
/// </summary>
public static class RollingWindows
{
    /// <returns>(context, predicted) pairs: the model reads context + predicted[..^1] and is scored on predicted.</returns>
    public static IEnumerable<(IReadOnlyList<int> Context, IReadOnlyList<int> Predicted)> Split(IReadOnlyList<int> tokens, int prefixToken, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (tokens.Count == 0) yield break;
        int first = Math.Min(maxLength, tokens.Count);
        yield return ([prefixToken], Slice(tokens, 0, first));
        int predicted = first;
        while (predicted < tokens.Count)
        {
            int count = Math.Min(tokens.Count - predicted, maxLength);
            int end = predicted + count;
            // The full window reads tokens[end − maxLength − 1 .. end − 1); its disjoint part is what precedes the predictions.
            int start = end - maxLength - 1;
            yield return (Slice(tokens, start, predicted - start), Slice(tokens, predicted, count));
            predicted = end;
        }
    }

    private static int[] Slice(IReadOnlyList<int> tokens, int start, int count)
    {
        var slice = new int[count];
        for (int i = 0; i < count; i++) slice[i] = tokens[start + i];
        return slice;
    }
}
