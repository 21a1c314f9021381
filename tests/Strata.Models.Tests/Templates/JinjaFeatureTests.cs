using System.Text.Json.Nodes;
using Strata.Models.Templates;

namespace Strata.Models.Tests.Templates;

/// <summary>
/// Single features of the template language, with the results the Jinja2 documentation (and Python, for value
/// printing) prescribes under Hugging Face's settings (trim_blocks, lstrip_blocks). Expected values are written by hand.
/// </summary>
public sealed class JinjaFeatureTests
{
    private const string Variables = """
        {"xs": [1, 2, 3, 4], "d": {"a": 1, "b": 2}, "name": "World", "empty": [], "s": "  Hello, World  ",
         "people": [{"name": "Ann", "age": 31, "admin": true}, {"name": "Bob", "age": 25}, {"name": "Cy", "age": 40, "admin": false}],
         "message": {"role": "user", "content": "hi"}, "items_dict": {"items": "a key named items"},
         "parts": [{"type": "text", "text": "Look at"}, {"type": "image"}], "nothing": null, "yes": true, "half": 0.5, "one": 1.0}
        """;

    private static string Render(string template, bool addGenerationPrompt = false)
    {
        var variables = JsonNode.Parse(Variables)!.AsObject().ToDictionary(pair => pair.Key, pair => pair.Value?.DeepClone());
        return new ChatTemplate(template, new FixedClock(new DateTimeOffset(2024, 7, 26, 9, 5, 0, TimeSpan.Zero)))
            .Render([], addGenerationPrompt, variables);
    }

    [Theory]
    [InlineData("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{% endfor %}", "10213243")]
    [InlineData("{% for x in xs %}{% if loop.first %}[{% endif %}{{ x }}{% if loop.last %}]{% else %},{% endif %}{% endfor %}", "[1,2,3,4]")]
    [InlineData("{% for x in xs %}{{ loop.length }}{{ loop.revindex }}{% endfor %}", "44434241")]
    [InlineData("{% for x in xs %}{{ loop.previtem }}>{{ x }}>{{ loop.nextitem }};{% endfor %}", ">1>2;1>2>3;2>3>4;3>4>;")]
    [InlineData("{% for x in xs if x is even %}{{ x }}/{{ loop.length }} {% endfor %}", "2/2 4/2 ")]
    [InlineData("{% for x in empty %}{{ x }}{% else %}none{% endfor %}", "none")]
    [InlineData("{% for x in xs if x > 9 %}{{ x }}{% else %}filtered away{% endfor %}", "filtered away")]
    [InlineData("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;")]
    [InlineData("{% for k in d %}{{ k }}{% endfor %}", "ab")]
    [InlineData("{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}", "37")]
    [InlineData("{% for x in xs %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}", "12")]
    [InlineData("{% for x in xs %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}", "24")]
    [InlineData("{% for x in [1, 2] %}{% for y in 'ab' %}{{ loop.index }}{{ y }}{% endfor %}{{ loop.index }} {% endfor %}", "1a2b1 1a2b2 ")]
    [InlineData("{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}", "odd even odd even ")]
    public void ForLoops(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% if xs %}a{% elif name %}b{% else %}c{% endif %}", "a")]
    [InlineData("{% if empty %}a{% elif name == 'World' %}b{% else %}c{% endif %}", "b")]
    [InlineData("{% if empty %}a{% elif nothing %}b{% else %}c{% endif %}", "c")]
    [InlineData("{{ 'yes' if xs else 'no' }}|{{ 'yes' if empty else 'no' }}|{{ 'only if' if empty }}|", "yes|no||")]
    public void Conditionals(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% set x = 1 %}{% for i in xs %}{% set x = i %}{% endfor %}{{ x }}", "1")] // set in a loop stays in the loop
    [InlineData("{% set x = 0 %}{% for i in [1, 2, 3] %}{% set x = x + i %}{{ x }}{% endfor %}", "123")] // each iteration starts afresh
    [InlineData("{% set ns = namespace(total=0) %}{% for i in xs %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", "10")]
    [InlineData("{% set ns = namespace() %}{% set ns.found = false %}{% for p in people if p.admin %}{% set ns.found = p.name %}{% endfor %}{{ ns.found }}", "Ann")]
    [InlineData("{% set a, b = 1, 2 %}{{ b }}{{ a }}", "21")]
    [InlineData("{% set block %}  Hi {{ name }}  {% endset %}[{{ block }}]", "[  Hi World  ]")]
    [InlineData("{% set block | trim | upper %}  Hi {{ name }}  {% endset %}[{{ block }}]", "[HI WORLD]")]
    [InlineData("{% filter upper %}shout {{ name }}{% endfilter %}", "SHOUT WORLD")]
    [InlineData("{% set messages = ['x'] %}{{ messages }}", "['x']")]
    public void Assignments(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{% macro greet(who, punctuation='!') %}Hello {{ who }}{{ punctuation }}{% endmacro %}{{ greet(name) }} {{ greet('you', punctuation='?') }}", "Hello World! Hello you?")]
    [InlineData("{% macro f(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ f(1) }}{{ f(b=2, a=1) }}", "[1|][1|2]")]
    [InlineData("{% macro depth(n) %}{% if n > 0 %}{{ n }}{{ depth(n - 1) }}{% endif %}{% endmacro %}{{ depth(3) }}", "321")]
    [InlineData("{% set x = 'outer' %}{% macro show() %}{{ x }}{% endmacro %}{% for x in ['loop'] %}{{ show() }}{% endfor %}", "outer")]
    [InlineData("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inside {{ name }}{% endcall %}", "<inside World>")]
    [InlineData("{% macro m() %}{{ varargs|length }}{{ kwargs.k }}{% endmacro %}{{ m(1, 2, k='v') }}", "2v")]
    [InlineData("{% macro m() %}x{% endmacro %}{{ m() | length }}{{ (m() ~ 'y') }}", "1xy")]
    public void Macros(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ xs[1:] }}", "[2, 3, 4]")]
    [InlineData("{{ xs[::-1] }}", "[4, 3, 2, 1]")]
    [InlineData("{{ xs[:-1] }}{{ xs[-1] }}{{ xs[1:3] }}{{ xs[::2] }}", "[1, 2, 3]4[2, 3][1, 3]")]
    [InlineData("{{ name[1:] }}{{ name[::-1] }}{{ name[0] }}{{ name[-1] }}", "orlddlroWWd")]
    [InlineData("{{ '🙂ab'[1:] }}{{ '🙂ab'|length }}{{ '🙂ab'[0] }}", "ab3🙂")]
    [InlineData("{{ xs[10] is defined }}{{ xs[-10] is undefined }}", "FalseTrue")]
    public void SubscriptsAndSlices(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ message.role }}{{ message['role'] }}{{ message.get('role') }}{{ message.get('missing', 'dflt') }}", "useruseruserdflt")]
    [InlineData("{{ message.missing is defined }}{{ message['missing'] is undefined }}", "FalseTrue")]
    [InlineData("{{ items_dict['items'] }}", "a key named items")]
    [InlineData("{{ items_dict.items() | list }}", "[('items', 'a key named items')]")] // .name finds the dict method first
    [InlineData("{{ parts[0].text }} {{ parts[1].text is defined }}", "Look at False")]
    [InlineData("{{ d.keys() | list }}{{ d.values() | list }}", "['a', 'b'][1, 2]")]
    [InlineData("{{ people[0].name }}{{ people.0.name }}", "AnnAnn")]
    public void AttributesReadDictKeys(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ nothing }}|{{ yes }}|{{ undefined_name }}|{{ one }}|{{ half }}|{{ 7 }}", "None|True||1.0|0.5|7")]
    [InlineData("{{ [1, 'a', none, true, 2.5] }}", "[1, 'a', None, True, 2.5]")]
    [InlineData("{{ {'k': (1,), \"it's\": [] } }}", "{'k': (1,), \"it's\": []}")]
    [InlineData("{{ 1e20 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 10 / 4 }} {{ 3.0 }}", "1e+20 0.30000000000000004 1e-05 2.5 3.0")]
    public void ValuesPrintAsPythonDoes(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ 'a' ~ 1 ~ nothing ~ undefined_name }}", "a1None")]
    [InlineData("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }}", "7 9 64 4")] // Jinja's ** is left-associative
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 2 }}", "3 -4 1 2 3.5 3.0")]
    [InlineData("{{ 'ab' * 3 }}{{ 2 * 'c' }}{{ [0] * 2 }}{{ xs + [5] }}", "abababcc[0, 0][1, 2, 3, 4, 5]")]
    [InlineData("{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 1 == 1.0 }}{{ 'a' != 'b' }}{{ [1, 2] == [1, 2] }}", "TrueFalseTrueTrueTrue")]
    [InlineData("{{ 2 in xs }}{{ 9 not in xs }}{{ 'ell' in 'hello' }}{{ 'a' in d }}{{ 'z' in d }}{{ 1 in undefined_name }}", "TrueTrueTrueTrueFalseFalse")]
    [InlineData("{{ empty or 'fallback' }}|{{ xs and 'both' }}|{{ empty and 'x' }}|{{ not empty }}", "fallback|both|[]|True")]
    [InlineData("{{ not 1 == 2 }}{{ not 'x' in 'xyz' }}", "TrueFalse")]
    [InlineData("{{ 'a' + 'b' ~ 'c' }} {{ 'n=' ~ 2 * 3 }}", "abc n=6")] // ~ binds tighter than +, looser than *
    [InlineData("{{ - 3|abs }}{{ xs|length + 1 }}", "35")] // a filter applies to the negated value
    public void Operators(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ undefined_name is defined }}{{ undefined_name is undefined }}{{ name is defined }}", "FalseTrueTrue")]
    [InlineData("{{ nothing is none }}{{ name is none }}{{ nothing is not none }}", "TrueFalseFalse")]
    [InlineData("{{ name is string }}{{ xs is string }}{{ d is mapping }}{{ xs is mapping }}", "TrueFalseTrueFalse")]
    [InlineData("{{ xs is iterable }}{{ name is iterable }}{{ d is iterable }}{{ 3 is iterable }}", "TrueTrueTrueFalse")]
    [InlineData("{{ xs is sequence }}{{ name is sequence }}{{ 3 is sequence }}", "TrueTrueFalse")]
    [InlineData("{{ 3 is number }}{{ half is number }}{{ name is number }}{{ 3 is integer }}{{ half is float }}", "TrueTrueFalseTrueTrue")]
    [InlineData("{{ yes is boolean }}{{ 1 is boolean }}{{ yes is true }}{{ yes is false }}{{ false is false }}", "TrueFalseTrueFalseTrue")]
    [InlineData("{{ 6 is divisibleby 3 }}{{ 7 is divisibleby(3) }}{{ 4 is even }}{{ 4 is odd }}", "TrueFalseTrueFalse")]
    [InlineData("{{ 2 is equalto 2 }}{{ 'A' is upper }}{{ 'a' is lower }}{{ raise_exception is callable }}", "TrueTrueTrueTrue")]
    public void Tests(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("[{{ s | trim }}][{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ 'xxhixx'.strip('x') }}]", "[Hello, World][Hello, World][Hello, World  ][  Hello, World][hi]")]
    [InlineData("{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'a b c'.split(' ', 1) }}", "['a', 'b', '', 'c']['a', 'b']['a', 'b c']")]
    [InlineData("{{ name.startswith('Wo') }}{{ name.endswith(('x', 'ld')) }}{{ name.upper() }}{{ name.lower() }}", "TrueTrueWORLDworld")]
    [InlineData("{{ 'hello wORLD'.title() }} {{ 'hello wORLD'.capitalize() }} {{ 'aaa'.replace('a', 'b', 2) }}", "Hello World Hello world bba")]
    [InlineData("{{ '{} and {name}'.format(1, name='x') }} {{ '%s=%d' % ('n', 5) }} {{ '%05.2f'|format(3.14159) }}", "1 and x n=5 03.14")]
    [InlineData("{{ '-'.join(['a', 'b']) }}{{ 'abcb'.count('b') }}{{ 'abc'.find('c') }}", "a-b22")]
    public void StringMethods(string template, string expected) => Assert.Equal(expected, Render(template));

    // Idioms of newer templates (Mistral Small 3.1, Nemotron, MiniMax M2 in llama.cpp's collection).
    [Theory]
    [InlineData("{{ \"a\\\nb\" }}", "ab")] // backslash-newline continues a string literal
    [InlineData("{{ 'abcdefghijkl'[-9:] }}|{{ [1, 2, 3][:-1] }}", "defghijkl|[1, 2]")]
    [InlineData("{{ ('x /think y ' | default('', true)).replace('/think', '').strip() }}", "x  y")]
    [InlineData("{% for k, v in {'a': [1], 'b': 's'} | items %}{{ v | tojson | string if v is not string else v }};{% endfor %}", "[1];s;")]
    [InlineData("{{ 'a<think>b'.split('<think>') | last }}|{{ '\\nx\\n'.strip('\\n') }}|{{ 'image' in {'image': 1} }}", "b|x|True")]
    [InlineData("{{ '<TOOLCALL>[{{\"name\": 1}}]' }}", "<TOOLCALL>[{{\"name\": 1}}]")] // }} inside a string does not close the tag
    public void IdiomsOfNewerTemplates(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ xs | length }}{{ name | length }}{{ d | length }}{{ undefined_name | length }}{{ xs | count }}", "45204")]
    [InlineData("{{ name | upper }}{{ name | lower }}{{ 'hello world' | title }}{{ 'hELLO' | capitalize }}", "WORLDworldHello WorldHello")]
    [InlineData("{{ xs | first }}{{ xs | last }}{{ name | first }}{{ xs | join(', ') }}{{ xs | join }}", "14W1, 2, 3, 41234")]
    [InlineData("{{ undefined_name | default('dflt') }}|{{ '' | default('dflt') }}|{{ '' | default('dflt', true) }}|{{ nothing | default('x') }}", "dflt||dflt|None")]
    [InlineData("{{ 3 | string }}{{ '42' | int + 1 }}{{ '4.7' | int }}{{ 'x' | int }}{{ 'x' | int(7) }}{{ '2.5' | float }}", "343407" + "2.5")]
    [InlineData("{{ name | list }}{{ d | items | list }}", "['W', 'o', 'r', 'l', 'd'][('a', 1), ('b', 2)]")]
    [InlineData("{{ people | selectattr('admin') | map(attribute='name') | list }}", "['Ann']")]
    [InlineData("{{ people | rejectattr('admin') | map(attribute='name') | join(',') }}", "Bob,Cy")]
    [InlineData("{{ people | selectattr('age', 'gt', 30) | map(attribute='name') | list }}", "['Ann', 'Cy']")]
    [InlineData("{{ people | selectattr('admin', 'defined') | list | length }}{{ people | map(attribute='admin', default='?') | list }}", "2[True, '?', False]")]
    [InlineData("{{ xs | select('odd') | list }}{{ xs | reject('odd') | list }}{{ ['a', 'b'] | map('upper') | list }}", "[1, 3][2, 4]['A', 'B']")]
    [InlineData("{{ 'a-b-a' | replace('a', 'x') }}{{ '<b>' | safe }}{{ '<b>' | e }}", "x-b-x<b>&lt;b&gt;")]
    [InlineData("{{ ['b', 'A', 'a', 'B'] | unique | list }}{{ [3, 1, 2] | sort }}{{ ['b', 'A'] | sort }}{{ xs | reverse | list }}", "['b', 'A'][1, 2, 3]['A', 'b'][4, 3, 2, 1]")]
    [InlineData("{{ people | sort(attribute='age', reverse=true) | map(attribute='name') | join }}{{ {'b': 1, 'a': 2} | dictsort }}", "CyAnnBob[('a', 2), ('b', 1)]")]
    [InlineData("{{ 2.5 | round }}{{ 3.5 | round }}{{ 3.14159 | round(2) }}{{ -3 | abs }}{{ xs | sum }}{{ xs | max }}{{ xs | min }}", "2.04.03.143104" + "1")]
    [InlineData("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, first=true) }}|{{ 'a\n\nb' | indent(2, blank=true) }}", "a\n  b\n\n  c|  a\n  b|a\n  \n  b")]
    public void Filters(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ d | tojson }}", "{\"a\": 1, \"b\": 2}")]
    [InlineData("{{ [1, 'x', none, true, 0.5] | tojson }}", "[1, \"x\", null, true, 0.5]")]
    [InlineData("{{ {'k': [1, {'z': []}], 'e': {}} | tojson(indent=2) }}", "{\n  \"k\": [\n    1,\n    {\n      \"z\": []\n    }\n  ],\n  \"e\": {}\n}")]
    [InlineData("{{ 'Ünï \"q\" <&> \\\\ \n\t 日本' | tojson }}", "\"Ünï \\\"q\\\" <&> \\\\ \\n\\t 日本\"")] // no HTML or non-ASCII escaping
    [InlineData("{{ 'é' | tojson(ensure_ascii=true) }}", "\"\\u00e9\"")]
    [InlineData("{{ {'b': 1, 'a': [1, 2]} | tojson(sort_keys=true, separators=(',', ':')) }}", "{\"a\":[1,2],\"b\":1}")]
    [InlineData("{{ (1, 2) | tojson }}{{ one | tojson }}", "[1, 2]1.0")]
    public void ToJsonMatchesPythonJsonDumps(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("a  {%- if true -%}  b  {%- endif -%}  c", "abc")]
    [InlineData("a  {{- name -}}  c", "aWorldc")]
    [InlineData("<{% if true %}\nx\n{% endif %}\n>", "<x\n>")] // trim_blocks: the newline after a block tag goes
    [InlineData("<\n    {% if true %}\n    x\n    {% endif %}\n>", "<\n    x\n>")] // lstrip_blocks: indentation before a block tag goes
    [InlineData("<\n  {{ name }}\n>", "<\n  World\n>")] // neither applies to {{ }}
    [InlineData("a {%+ if true %}b{% endif +%}\nc", "a b\nc")] // + disables lstrip and trim
    [InlineData("a\n  {# comment #}\nb", "a\nb")]
    [InlineData("a {#- comment -#} b", "ab")]
    [InlineData("{% raw %}{{ not rendered }} {% if %}{% endraw %}", "{{ not rendered }} {% if %}")]
    [InlineData("a{% generation %}b{% endgeneration %}c", "abc")] // transformers' assistant-mask tag renders its body
    [InlineData("text\n", "text")] // one trailing newline is dropped (keep_trailing_newline=False)
    [InlineData("text\n\n", "text\n")]
    [InlineData("{{ 'a' 'b' }}{{ \"it's\" }}{{ 'tab\\there' }}{{ '\\u00e9' }}", "abit'stab\there\u00e9")]
    public void WhitespaceControlAndLiterals(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void GlobalsOfHuggingFaceTemplates()
    {
        Assert.Equal("26 Jul 2024|2024-07-26 09:05|Friday July|9",
            Render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M') }}|{{ strftime_now('%A %B') }}|{{ strftime_now('%-H') }}"));
        Assert.Equal("[0, 1, 2][2, 4][3, 2, 1]", Render("{{ range(3) | list }}{{ range(2, 6, 2) | list }}{{ range(3, 0, -1) | list }}"));
        Assert.Equal("{'a': 1, 'b': 2}", Render("{{ dict([('a', 1)], b=2) }}"));
        Assert.Equal("True", Render("{{ add_generation_prompt }}", addGenerationPrompt: true));
    }

    [Fact]
    public void MessagesAndVariablesReachTheTemplate()
    {
        var template = new ChatTemplate("{% for m in messages %}{{ m.role }}:{{ m['content'] }}|{{ m.tool_calls is defined }};{% endfor %}{{ bos_token }}{{ tools[0].name }}");
        var messages = JsonNode.Parse("""[{"role": "user", "content": "hi"}, {"role": "assistant", "content": null, "tool_calls": []}]""")!.AsArray();
        var variables = new Dictionary<string, JsonNode?> { ["bos_token"] = "<s>", ["tools"] = JsonNode.Parse("""[{"name": "t"}]""") };

        Assert.Equal("user:hi|False;assistant:None|True;<s>t", template.Render(messages, addGenerationPrompt: false, variables));
    }

    [Fact]
    public void RaiseExceptionCarriesTheTemplatesMessage()
    {
        var error = Assert.Throws<TemplateException>(() => Render("{% macro check() %}{{ raise_exception('Roles must alternate user/assistant') }}{% endmacro %}ok{{ check() }}"));

        Assert.Equal("Roles must alternate user/assistant", error.Message);
        Assert.True(error.RaisedByTemplate);
        Assert.Null(error.Line);
    }

    [Fact]
    public void ParsedTemplateRendersManyTimesAndKeepsItsSource()
    {
        const string Source = "{{ messages | length }}{% set n = namespace(c=0) %}{% set n.c = n.c + 1 %}{{ n.c }}";
        var template = new ChatTemplate(Source);
        var messages = JsonNode.Parse("""[{"role": "user", "content": "a"}]""")!.AsArray();

        Assert.Equal(Source, template.Source);
        Assert.Equal("11", template.Render(messages, addGenerationPrompt: false));
        Assert.Equal("11", template.Render(messages, addGenerationPrompt: false));
    }
}
