using System.Text;
using System.Text.Json;
using Strata.Training.Tuning;

namespace Strata.Training.Quickstart;

/// <summary>
/// The quickstart's held-out measurements as task files for <c>strata eval</c> (lm-evaluation-harness's form, JSONL
/// data beside each): the single-turn instructions and the multi-turn follow-ups that no tuning example shares an item
/// with, scored by exact match of the reply's first line as the quickstart scores them, and Tiny Shakespeare's
/// validation tail (the last 10% of characters, which pretraining holds out) for bits per character.
/// </summary>
public static class QuickstartEvalTasks
{
    /// <summary>Characters per rolling-likelihood document: enough items for a bootstrap error, each many windows long.</summary>
    private const int ShakespeareDocumentCharacters = 2000;

    /// <summary>Writes the three tasks (and judge mode's <c>questions.jsonl</c>) into <paramref name="folder"/> and returns the task files.</summary>
    public static IReadOnlyList<string> Write(string folder, QuickstartOptions options)
    {
        Directory.CreateDirectory(folder);
        var heldOut = QuickstartHeldOut.Create(options);
        WriteRows(Path.Combine(folder, "command.jsonl"), heldOut.CommandHeldOut);
        WriteRows(Path.Combine(folder, "dialogue.jsonl"), heldOut.DialogueHeldOut);
        WriteShakespeare(Path.Combine(folder, "tinyshakespeare.jsonl"));
        WriteQuestions(Path.Combine(folder, "questions.jsonl"), heldOut);
        File.WriteAllText(Path.Combine(folder, "command.yaml"), ChatTask("quickstart_command", "command.jsonl", "held-out single-turn instructions"));
        File.WriteAllText(Path.Combine(folder, "dialogue.yaml"), ChatTask("quickstart_dialogue", "dialogue.jsonl", "held-out multi-turn follow-ups"));
        File.WriteAllText(Path.Combine(folder, "tinyshakespeare.yaml"), ShakespeareTask);
        return new[] { "command.yaml", "dialogue.yaml", "tinyshakespeare.yaml" }.Select(f => Path.Combine(folder, f)).ToList();
    }

    private static string ChatTask(string name, string data, string what) => $"""
        # The quickstart's {what} (written by `strata quickstart` and `strata eval --tasks quickstart`).
        # Each row's turns are rendered with the model's own chat template (ChatML when it has none); the reply's first
        # line, trimmed, must equal the answer exactly, as the quickstart's own measurement requires.
        task: {name}
        dataset_path: {data}
        output_type: generate_until
        doc_to_messages: messages
        doc_to_target: answer
        generation_kwargs:
          until: ["\n"]
          max_gen_toks: 16
        filter_list:
          - name: first_line
            filter:
              - function: strip
        metric_list:
          - metric: exact_match

        """;

    private const string ShakespeareTask = """
        # Tiny Shakespeare's validation tail: the last 10% of characters, which the quickstart's pretraining holds out.
        # The text is ASCII, so bits per byte is bits per character.
        task: tinyshakespeare
        dataset_path: tinyshakespeare.jsonl
        output_type: loglikelihood_rolling
        doc_to_text: ""
        doc_to_target: text
        metric_list:
          - metric: bits_per_byte
          - metric: byte_perplexity
          - metric: word_perplexity

        """;

    private static void WriteRows(string path, IReadOnlyList<VerifiableExample> examples)
    {
        using var file = new StreamWriter(path, append: false, new UTF8Encoding(false));
        foreach (var example in examples)
        {
            var turns = ExactMatchEvaluator.PromptOf(example).Select(m => new Dictionary<string, string>
            {
                ["role"] = ConversationRules.Name(m.Role),
                ["content"] = m.Content,
            });
            file.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["kind"] = example.Kind,
                ["messages"] = turns.ToList(),
                ["answer"] = example.ExpectedFinalAnswer,
            }));
        }
    }

    /// <summary>
    /// Judge-mode questions in MT-Bench's shape (<c>{question_id, category, turns}</c>): the user turns of 20 held-out
    /// instructions and 20 held-out follow-ups, each model answering every turn itself.
    /// </summary>
    private static void WriteQuestions(string path, QuickstartHeldOut heldOut)
    {
        using var file = new StreamWriter(path, append: false, new UTF8Encoding(false));
        int id = 1;
        foreach (var (category, examples) in new[] { ("command", heldOut.CommandHeldOut), ("dialogue", heldOut.DialogueHeldOut) })
        {
            foreach (var example in examples.Take(20))
            {
                var turns = example.Conversation.Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Content).Take(2).ToList();
                file.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["question_id"] = id++, ["category"] = category, ["turns"] = turns }));
            }
        }
    }

    /// <summary>The validation tail cut at blank lines (speech boundaries) into documents of about 2,000 characters.</summary>
    private static void WriteShakespeare(string path)
    {
        string text;
        using (var reader = new StreamReader(QuickstartRecipe.OpenCorpus())) text = reader.ReadToEnd();
        int trainCharacters = (int)Math.Floor(text.Length * 0.9);   // nanoGPT's split, which pretraining uses
        string tail = text[trainCharacters..];
        using var file = new StreamWriter(path, append: false, new UTF8Encoding(false));
        int start = 0;
        while (start < tail.Length)
        {
            int end = Math.Min(tail.Length, start + ShakespeareDocumentCharacters);
            int cut = end < tail.Length ? tail.IndexOf("\n\n", end, StringComparison.Ordinal) : -1;
            end = cut < 0 ? tail.Length : cut + 2;
            file.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = tail[start..end] }));
            start = end;
        }
    }
}
