// Drives a Strata server with OpenAI's official TypeScript client (openai), unchanged: tool calls whole and
// streamed (accumulated from delta.tool_calls as the client's users do), a tool result sent back, and a json_schema
// response format.
// usage:  node openai-client.mjs <base-url> <model>
// stdout: one JSON object, one property per call; errors are recorded, not thrown.
import OpenAI from "openai";

const [baseUrl, model] = process.argv.slice(2);
if (!baseUrl || !model) throw new Error("usage: node openai-client.mjs <base-url> <model>");
const client = new OpenAI({ apiKey: "unused", baseURL: `${baseUrl.replace(/\/$/, "")}/v1`, maxRetries: 0, timeout: 60000 });
const result = {};

async function record(name, call) {
  try {
    result[name] = await call();
  } catch (error) {
    result[name] = { error: { name: error?.constructor?.name, status: error?.status, message: String(error?.message ?? error) } };
  }
}

const tools = [{
  type: "function",
  function: {
    name: "add",
    parameters: { type: "object", properties: { a: { type: "integer", minimum: 0, maximum: 99 }, b: { type: "integer", minimum: 0, maximum: 99 } }, required: ["a", "b"], additionalProperties: false },
  },
}];
const messages = [{ role: "user", content: "2+3?" }];

// A random-weight model may run out of tokens inside a call: the first seed whose call ends is used, whole and streamed.
let seed = 0;
await record("toolCall", async () => {
  for (; seed < 8; seed++) {
    const response = await client.chat.completions.create({ model, messages, tools, tool_choice: "required", max_tokens: 140, temperature: 0.8, seed });
    const choice = response.choices[0];
    if (choice.finish_reason !== "length") return { seed, finishReason: choice.finish_reason, toolCalls: choice.message.tool_calls ?? [] };
  }
  return { seed, finishReason: "length", toolCalls: [] };
});
await record("toolCallStream", async () => {
  const stream = await client.chat.completions.create({ model, messages, tools, tool_choice: "required", max_tokens: 140, temperature: 0.8, seed, stream: true });
  const calls = [];
  let finishReason = null;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      for (const fragment of choice.delta?.tool_calls ?? []) {
        calls[fragment.index] ??= { id: "", type: "", name: "", arguments: "" };
        const call = calls[fragment.index];
        if (fragment.id) call.id = fragment.id;
        if (fragment.type) call.type = fragment.type;
        if (fragment.function?.name) call.name += fragment.function.name;
        if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
      }
      finishReason = choice.finish_reason ?? finishReason;
    }
  }
  return { calls, finishReason };
});
await record("toolResult", async () => {
  const call = result.toolCall?.toolCalls?.[0];
  const response = await client.chat.completions.create({
    model, tools, tool_choice: "none", max_tokens: 6, seed: 1,
    messages: [...messages, { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "5" }],
  });
  return { finishReason: response.choices[0].finish_reason, toolCalls: response.choices[0].message.tool_calls ?? null };
});
await record("jsonSchema", async () => {
  const replies = [];
  for (let s = 0; s < 6; s++) {
    const response = await client.chat.completions.create({
      model, messages: [{ role: "user", content: "An animal" }], max_tokens: 96, temperature: 1.0, seed: s,
      response_format: { type: "json_schema", json_schema: { name: "animal", strict: true, schema: { type: "object", properties: { legs: { type: "integer", minimum: 0, maximum: 8 } }, required: ["legs"], additionalProperties: false } } },
    });
    replies.push({ text: response.choices[0].message.content, finishReason: response.choices[0].finish_reason });
  }
  return { replies };
});
await record("unknownTool", async () => client.chat.completions.create({ model, messages, tools, tool_choice: { type: "function", function: { name: "nope" } }, max_tokens: 4 }));

process.stdout.write(JSON.stringify(result));
