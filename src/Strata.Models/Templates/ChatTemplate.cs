using System.Text.Json.Nodes;

namespace Strata.Models.Templates;

/// <summary>
/// A Hugging Face chat template (the Jinja2 <c>chat_template</c> of <c>tokenizer_config.json</c>), parsed once and
/// rendered as transformers' <c>apply_chat_template</c> renders it: Jinja2 semantics with <c>trim_blocks</c> and
/// <c>lstrip_blocks</c>, the <c>loopcontrols</c> extension, transformers' <c>tojson</c>, <c>raise_exception</c> and
/// <c>strftime_now</c>. Rendering is thread-safe: each call works on its own state.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>
    /// ChatML (<c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>): the format Strata's tuned models speak and the
    /// fallback for models without a template. Qwen2.5's template without tools and without its default system prompt
    /// (a Strata model has no built-in persona, and a template that invents a system turn would make inference differ
    /// from the conversations the model was tuned on).
    /// </summary>
    public const string ChatMlSource = """
        {%- if tools %}
            {{- '<|im_start|>system\nTools:' }}
            {%- for tool in tools %}
                {{- ' ' + tool['function']['name'] }}
            {%- endfor %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
        {%- for message in messages %}
            {{- '<|im_start|>' + message['role'] + '\n' }}
            {%- if message['content'] %}
                {{- message['content'] }}
            {%- endif %}
            {%- if message['tool_calls'] %}
                {%- for call in message['tool_calls'] %}
                    {{- '<tool_call>{"name": ' }}
                    {{- call['function']['name'] | tojson }}
                    {{- ', "arguments": ' }}
                    {{- call['function']['arguments'] | tojson }}
                    {{- '}</tool_call>' }}
                {%- endfor %}
            {%- endif %}
            {{- '<|im_end|>' + '\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """;

    private readonly IReadOnlyList<JinjaStatement> _program;
    private readonly TimeProvider _clock;

    /// <summary>Parses <paramref name="source"/>; <c>strftime_now</c> reads the system clock (local time).</summary>
    /// <exception cref="TemplateException">A syntax error, with its line and column.</exception>
    public ChatTemplate(string source)
        : this(source, TimeProvider.System)
    {
    }

    /// <summary>Parses <paramref name="source"/>; <c>strftime_now</c> reads <paramref name="clock"/>'s local time
    /// (tests pass a fixed clock so "Today Date" lines are reproducible).</summary>
    /// <exception cref="TemplateException">A syntax error, with its line and column.</exception>
    public ChatTemplate(string source, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(clock);
        Source = source;
        _clock = clock;
        _program = JinjaParser.Parse(source);
    }

    public string Source { get; }

    /// <summary>
    /// Renders the conversation. The template sees <c>messages</c> (each JSON object becomes a dict: "role",
    /// "content" as a string, null or a list of parts, "tool_calls" and so on), <c>add_generation_prompt</c>, and
    /// every entry of <paramref name="variables"/> (such as <c>bos_token</c>, <c>eos_token</c>, <c>tools</c>,
    /// <c>documents</c>, <c>date_string</c>); a variable not given is undefined, as in transformers when not passed.
    /// </summary>
    /// <param name="variables">Extra top-level variables; <c>messages</c> and <c>add_generation_prompt</c> here are
    /// overridden by the explicit arguments.</param>
    /// <exception cref="TemplateException">The template failed (with the line of the failing statement) or called
    /// <c>raise_exception</c> (then the message is the template's own, and <see cref="TemplateException.RaisedByTemplate"/> is true).</exception>
    public string Render(JsonArray messages, bool addGenerationPrompt, IReadOnlyDictionary<string, JsonNode?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        try
        {
            var globals = new JinjaScope(parent: null);
            foreach (var (name, function) in JinjaGlobals.Create(_clock)) globals.Set(name, function);
            var context = new JinjaScope(globals);
            if (variables is not null)
            {
                foreach (var (name, value) in variables) context.Set(name, JinjaValues.FromJson(value));
            }
            context.Set("messages", JinjaValues.FromJson(messages));
            context.Set("add_generation_prompt", addGenerationPrompt);
            return JinjaInterpreter.Render(_program, context);
        }
        catch (JinjaRuntimeError error)
        {
            throw new TemplateException(error.Message, error);
        }
        catch (Exception error) when (error is not (TemplateException or OutOfMemoryException))
        {
            // A template is code from a model repository or a request: however it fails, callers get one exception type.
            throw new TemplateException($"Rendering failed: {error.Message}", error);
        }
    }
}
