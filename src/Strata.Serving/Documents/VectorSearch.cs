using System.Numerics;

namespace Strata.Serving.Documents;

/// <summary>
/// Exact nearest neighbours by dot product over a row-major matrix of unit vectors (so the dot product is the cosine):
/// one SIMD pass over every row, a bounded heap for the best k. Exact search is what a tenant's store needs up to
/// ~10⁵ chunks (384 dimensions: ~150 MB read per query at the top of that range); past it an approximate index
/// (pgvector's HNSW where PostgreSQL has it) takes over.
/// </summary>
public static class VectorSearch
{
    public static IReadOnlyList<(int Row, double Score)> TopK(float[] query, float[] matrix, int width, int k)
    {
        int rows = width == 0 ? 0 : matrix.Length / width;
        var heap = new PriorityQueue<int, float>();   // min-heap of the best k so far
        for (int r = 0; r < rows; r++)
        {
            float score = Dot(query, matrix.AsSpan(r * width, width));
            if (heap.Count < k) heap.Enqueue(r, score);
            else if (heap.TryPeek(out _, out float worst) && score > worst) heap.EnqueueDequeue(r, score);
        }
        var best = new List<(int Row, double Score)>(heap.Count);
        while (heap.TryDequeue(out int row, out float score)) best.Add((row, score));
        best.Reverse();
        return best;
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        int i = 0;
        for (; i + Vector<float>.Count <= a.Length; i += Vector<float>.Count) sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        float total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }
}
