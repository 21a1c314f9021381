using System.Text;
using Strata.Models.Generation;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Generation;

/// <summary>The decoding loop against a scripted model whose greedy output is a fixed byte string.</summary>
public class TextGeneratorTests
{
    private const int Eos = 300;

    /// <summary>Greedy decoding of this model emits <c>script</c> byte by byte, then EOS.</summary>
    private sealed class ScriptedModel(byte[] script, int maxLength = 1000) : ILanguageModel
    {
        public int VocabularySize => 301;
        public IReadOnlyList<int> EndOfSequenceTokenIds => [Eos];
        public int SessionsOpened { get; private set; }
        public List<int> PrefillSizes { get; } = [];

        public ILanguageModelSession OpenSession()
        {
            SessionsOpened++;
            return new Session(this);
        }

        private sealed class Session(ScriptedModel owner) : ILanguageModelSession
        {
            private int generated = -1;
            public int Length { get; private set; }
            public int MaxLength => owner.maxLength;

            public float[] Append(IReadOnlyList<int> tokens)
            {
                if (Length == 0) owner.PrefillSizes.Add(tokens.Count);
                Length += tokens.Count;
                generated++;
                var logits = new float[owner.VocabularySize];
                logits[generated < owner.script.Length ? owner.script[generated] : Eos] = 10f;
                return logits;
            }

            public void Dispose() { }
        }

        private readonly byte[] script = script;
        private readonly int maxLength = maxLength;
    }

    private static async Task<(string Text, List<GenerationChunk> Chunks)> Run(ScriptedModel model, SamplingOptions options)
    {
        var chunks = new List<GenerationChunk>();
        await foreach (var c in new TextGenerator(model, ByteTokenizer.Instance).StreamAsync([1, 2, 3], options)) chunks.Add(c);
        return (string.Concat(chunks.Select(c => c.Text)), chunks);
    }

    [Fact]
    public async Task StopsAtEndOfSequenceAndPrefillsThePromptInOnePass()
    {
        var model = new ScriptedModel(Encoding.UTF8.GetBytes("hello"));
        var (text, chunks) = await Run(model, SamplingOptions.Greedy);
        Assert.Equal("hello", text);
        Assert.Equal(FinishReason.EndOfSequence, chunks[^1].FinishReason);
        Assert.Equal([3], model.PrefillSizes);
    }

    [Fact]
    public async Task StopsAtMaxTokens()
    {
        var (text, chunks) = await Run(new ScriptedModel(Encoding.UTF8.GetBytes("hello world")), SamplingOptions.Greedy with { MaxTokens = 4 });
        Assert.Equal("hell", text);
        Assert.Equal(FinishReason.MaxTokens, chunks[^1].FinishReason);
    }

    [Fact]
    public async Task StopSequenceSpanningTokensIsCutAndNeverShown()
    {
        var (text, chunks) = await Run(
            new ScriptedModel(Encoding.UTF8.GetBytes("one two###three")),
            SamplingOptions.Greedy with { StopSequences = ["###", "zzz"] });
        Assert.Equal("one two", text);
        Assert.Equal(FinishReason.StopSequence, chunks[^1].FinishReason);
        Assert.DoesNotContain(chunks, c => c.Text.Contains('#'));
    }

    [Fact]
    public async Task PartialStopPrefixIsReleasedWhenItDoesNotComplete()
    {
        var (text, _) = await Run(new ScriptedModel(Encoding.UTF8.GetBytes("a##b")), SamplingOptions.Greedy with { StopSequences = ["###"] });
        Assert.Equal("a##b", text);
    }

    [Fact]
    public async Task MultiByteCharactersAreNeverSplitAcrossChunks()
    {
        string expected = "héllo 🙂 世界";
        var (text, chunks) = await Run(new ScriptedModel(Encoding.UTF8.GetBytes(expected)), SamplingOptions.Greedy);
        Assert.Equal(expected, text);
        Assert.DoesNotContain(chunks, c => c.Text.Contains('\uFFFD'));
    }

    [Fact]
    public async Task ContextLimitEndsGeneration()
    {
        var (text, chunks) = await Run(new ScriptedModel(Encoding.UTF8.GetBytes("abcdefgh"), maxLength: 6), SamplingOptions.Greedy);
        Assert.Equal(FinishReason.ContextFull, chunks[^1].FinishReason);
        // 3 prompt tokens + a, b, c fill the 6 positions; d is sampled from the last of them but never fed back.
        Assert.Equal("abcd", text);
    }

    [Fact]
    public async Task CancellationStopsTheStream()
    {
        using var cts = new CancellationTokenSource();
        var generator = new TextGenerator(new ScriptedModel(Encoding.UTF8.GetBytes(new string('x', 500))), ByteTokenizer.Instance);
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in generator.StreamAsync([1], SamplingOptions.Greedy with { MaxTokens = 400 }, cts.Token))
            {
                if (++seen == 5) cts.Cancel();
            }
        });
        Assert.Equal(5, seen);
    }
}
