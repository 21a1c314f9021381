using System.Text;
using System.Text.Json;

namespace Strata.Training.Tuning;

/// <summary>
/// A conversation as one JSON Lines record, <c>{"messages":[{"role":…,"content":…}], …}</c>: the format
/// <see cref="ConversationReader.Read"/> reads, written by the quickstart's task generator and the distiller.
/// </summary>
public static class ConversationJson
{
    /// <param name="extra">Further fields of the record (after <c>messages</c>), e.g. why an example was dropped.</param>
    public static string ToLine(Conversation conversation, Action<Utf8JsonWriter>? extra = null)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("messages");
            foreach (var message in conversation.Messages)
            {
                json.WriteStartObject();
                json.WriteString("role", ConversationRules.Name(message.Role));
                json.WriteString("content", message.Content);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            extra?.Invoke(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
