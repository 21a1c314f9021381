using Strata.Training.Tuning;

namespace Strata.Training.Tests.Tuning;

public sealed class ConversationReaderTests : IDisposable
{
    private readonly string _directory = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, params string[] lines)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    private static ChatMessage M(ChatRole role, string content) => new(role, content);

    [Fact]
    public void MessagesFormatKeepsRolesAndContentsInOrder()
    {
        string path = Write("m.jsonl",
            """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}""",
            "",
            """{"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"},{"role":"user","content":"and 3+3?"},{"role":"assistant","content":"6"}]}""");

        var conversations = ConversationReader.Read(path).ToList();

        Assert.Equal(2, conversations.Count);
        Assert.Equal([M(ChatRole.System, "Be brief."), M(ChatRole.User, "Hi"), M(ChatRole.Assistant, "Hello!")], conversations[0].Messages);
        Assert.Equal([M(ChatRole.User, "2+2?"), M(ChatRole.Assistant, "4"), M(ChatRole.User, "and 3+3?"), M(ChatRole.Assistant, "6")],
            conversations[1].Messages);
    }

    [Fact]
    public void AlpacaRecordsBecomeOneUserAndOneAssistantTurn()
    {
        string path = Write("a.jsonl",
            """{"instruction":"Translate to French.","input":"cheese","output":"fromage"}""",
            """{"instruction":"Name a colour.","input":"","output":"Blue"}""",
            """{"instruction":"Name a fruit.","output":"Apple"}""");

        var conversations = ConversationReader.Read(path).ToList();

        Assert.Equal([M(ChatRole.User, "Translate to French.\n\ncheese"), M(ChatRole.Assistant, "fromage")], conversations[0].Messages);
        Assert.Equal([M(ChatRole.User, "Name a colour."), M(ChatRole.Assistant, "Blue")], conversations[1].Messages);
        Assert.Equal([M(ChatRole.User, "Name a fruit."), M(ChatRole.Assistant, "Apple")], conversations[2].Messages);
    }

    [Fact]
    public void PromptCompletionPairsAndContentPartsRead()
    {
        // TRL's prompt-completion records, and OpenAI's messages whose content is a list of text parts.
        string path = Write("p.jsonl",
            """{"prompt":"Name a fruit.","completion":"Apple"}""",
            """{"messages":[{"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]},{"role":"assistant","content":"Hello"}]}""");

        var conversations = ConversationReader.Read(path).ToList();

        Assert.Equal([M(ChatRole.User, "Name a fruit."), M(ChatRole.Assistant, "Apple")], conversations[0].Messages);
        Assert.Equal([M(ChatRole.User, "Hi there"), M(ChatRole.Assistant, "Hello")], conversations[1].Messages);
    }

    [Fact]
    public void ToolCallsAreTrainedAsTheToolFormatWritesThem()
    {
        // OpenAI's shape: an assistant turn with tool_calls and null content, answered by a tool turn.
        string path = Write("t.jsonl",
            """{"messages":[{"role":"user","content":"17+25?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"add","arguments":"{\"a\": 17, \"b\": 25}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"},{"role":"assistant","content":"42"}]}""");

        var conversation = Assert.Single(ConversationReader.Read(path));

        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], conversation.Messages.Select(m => m.Role));
        // Strata's compact tool format (docs/serving.md): the call as <tool_call>{"name", "arguments"}</tool_call>.
        Assert.Equal("""<tool_call>{"name": "add", "arguments": {"a": 17, "b": 25}}</tool_call>""", conversation.Messages[1].Content);
    }

    [Fact]
    public void ShareGptLinesMapHumanAndGpt()
    {
        string path = Write("s.jsonl",
            """{"id":"x","conversations":[{"from":"system","value":"S"},{"from":"human","value":"Q"},{"from":"gpt","value":"A"}]}""");

        var conversation = Assert.Single(ConversationReader.Read(path));

        Assert.Equal([M(ChatRole.System, "S"), M(ChatRole.User, "Q"), M(ChatRole.Assistant, "A")], conversation.Messages);
    }

    [Fact]
    public void FastChatDummyConversationsParse()
    {
        // Facts read from the file itself (see /work/shared/data/conversations): 500 records, 1000 human and 1000 gpt
        // turns, every record human-first and alternating; identity_0 is the four-turn exchange below.
        string path = Path.Combine(TestPaths.SharedData, "conversations", "fastchat-dummy_conversation.json");

        var conversations = ConversationReader.Read(path).ToList();

        Assert.Equal(500, conversations.Count);
        Assert.Equal(1000, conversations.Sum(c => c.Messages.Count(m => m.Role == ChatRole.User)));
        Assert.Equal(1000, conversations.Sum(c => c.Messages.Count(m => m.Role == ChatRole.Assistant)));
        Assert.Equal(
            [
                M(ChatRole.User, "Who are you?"),
                M(ChatRole.Assistant, "I am Vicuna, a language model trained by researchers from Large Model Systems Organization (LMSYS)."),
                M(ChatRole.User, "Have a nice day!"),
                M(ChatRole.Assistant, "You too!"),
            ],
            conversations[0].Messages);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}""", "malformed JSON")]
    [InlineData("""{"messages":[{"role":"robot","content":"Hi"},{"role":"assistant","content":"Hello"}]}""", "unknown role \"robot\"")]
    [InlineData("""{"messages":[{"role":"user"},{"role":"assistant","content":"Hello"}]}""", "missing its \"content\"")]
    [InlineData("""{"messages":[{"role":"user","content":null},{"role":"assistant","content":"Hello"}]}""", "missing its \"content\"")]
    [InlineData("""{"conversations":[{"from":"human"},{"from":"gpt","value":"Hello"}]}""", "missing its \"value\"")]
    [InlineData("""{"messages":[{"role":"system","content":"S"},{"role":"user","content":"Hi"}]}""", "no assistant turn")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"},{"role":"user","content":"Hi again"},{"role":"assistant","content":"Hello"}]}""", "must alternate")]
    [InlineData("""{"messages":[{"role":"assistant","content":"Hello"},{"role":"user","content":"Hi"}]}""", "must alternate")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"},{"role":"system","content":"S"},{"role":"assistant","content":"Hello"}]}""", "must alternate")]
    [InlineData("""{"instruction":"Do it."}""", "missing its \"output\"")]
    [InlineData("""{"question":"Do it.","answer":"Done"}""", "unrecognised record")]
    [InlineData("""{"messages":"Hi"}""", "must be an array")]
    public void BadRecordsNameFileAndLine(string badLine, string expected)
    {
        string good = """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}""";
        string path = Write("bad.jsonl", good, "", badLine, good);

        using var enumerator = ConversationReader.Read(path).GetEnumerator();
        Assert.True(enumerator.MoveNext()); // line 1 is fine; line 2 is blank; line 3 is the bad one
        var error = Assert.Throws<InvalidDataException>(() => enumerator.MoveNext());

        Assert.StartsWith($"{path}:3: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void JsonArrayErrorsNameTheLineWhereTheRecordStarts()
    {
        string path = Write("bad.json",
            "[",
            """  {"conversations":[{"from":"human","value":"Q"},{"from":"gpt","value":"A"}]},""",
            "  {",
            """    "conversations":[{"from":"human","value":"Q"},{"from":"wizard","value":"A"}]""",
            "  }",
            "]");

        var error = Assert.Throws<InvalidDataException>(() => ConversationReader.Read(path).ToList());

        Assert.StartsWith($"{path}:3: ", error.Message);
        Assert.Contains("unknown role \"wizard\"", error.Message);
    }

    [Fact]
    public void MalformedJsonArrayNamesTheLine()
    {
        string path = Write("broken.json", "[", """  {"conversations":[{"from":"human","value":"Q"},{"from":"gpt","value":"A"}]},""", "  {oops}", "]");

        var error = Assert.Throws<InvalidDataException>(() => ConversationReader.Read(path).ToList());

        Assert.StartsWith($"{path}:3: malformed JSON", error.Message);
    }
}
