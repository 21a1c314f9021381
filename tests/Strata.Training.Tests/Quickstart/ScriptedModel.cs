using Strata.Models.Generation;
using Strata.Models.Tokenization;

namespace Strata.Training.Tests.Quickstart;

/// <summary>A model that, given a prompt it knows (by its ChatML text), produces a fixed token script and then
/// repeats the script's last token: enough to check prompts, stops and scoring without training anything.</summary>
internal sealed class ScriptedModel(StrataTokenizer tokenizer, Dictionary<string, int[]> scripts) : ILanguageModel
{
    private readonly StrataTokenizer _tokenizer = tokenizer;
    private readonly Dictionary<string, int[]> _scripts = scripts;

    public int PromptsSeen { get; private set; }

    public int VocabularySize => _tokenizer.VocabularySize;

    public IReadOnlyList<int> EndOfSequenceTokenIds => [];

    public ILanguageModelSession OpenSession() => new Session(this);

    private sealed class Session(ScriptedModel owner) : ILanguageModelSession
    {
        private int[]? _script;
        private int _step;

        public int Length { get; private set; }

        public int MaxLength => 512;

        public float[] Append(IReadOnlyList<int> tokens)
        {
            if (_script is null)
            {
                string prompt = owner._tokenizer.Decode(tokens);
                Assert.True(owner._scripts.TryGetValue(prompt, out _script), $"unexpected prompt: {prompt}");
                owner.PromptsSeen++;
            }
            Length += tokens.Count;
            var logits = new float[owner.VocabularySize];
            logits[_script![Math.Min(_step++, _script.Length - 1)]] = 1;
            return logits;
        }

        public void Dispose()
        {
        }
    }
}
