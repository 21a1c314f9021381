// Drives a Strata server with Cohere's official TypeScript client (cohere-ai), unchanged, so the server is
// checked against the client's own request serialisation, stream parsing and error mapping.
// usage:  node cohere-client.mjs <base-url> <model> [<reranker> <embedder>]
// stdout: one JSON object with what each call returned (see the keys below); errors are recorded, not thrown,
//         so one incompatibility does not hide the others.
import { CohereClient, CohereClientV2 } from "cohere-ai";

const [baseUrl, model, reranker, embedder] = process.argv.slice(2);
if (!baseUrl || !model) throw new Error("usage: node cohere-client.mjs <base-url> <model> [<reranker> <embedder>]");

// Retries would turn a refused request into three; the token is required by the client, ignored by the server.
const options = { token: "unused", baseUrl, maxRetries: 0, timeoutInSeconds: 60 };
const client = new CohereClientV2(options);
// CohereClientV2 8.1.0 binds tokenize/detokenize to its v2 client, which lacks them ("this.__tokenize is not a
// function"); the v1 client of the same package calls the same /v1/tokenize and /v1/detokenize endpoints.
const v1 = new CohereClient(options);
const messages = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Hello there" },
];
const maxTokens = 12;
const result = {};

async function record(name, call) {
  try {
    result[name] = await call();
  } catch (error) {
    result[name] = { error: describe(error) };
  }
}

function describe(error) {
  return { name: error?.constructor?.name, statusCode: error?.statusCode, body: error?.body, message: String(error?.message ?? error) };
}

const text = (message) => (message?.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");

const reply = (response) => ({
  id: response.id,
  finishReason: response.finishReason,
  role: response.message?.role,
  text: text(response.message),
  usage: response.usage,
});

async function streamed(request) {
  const stream = await client.chatStream(request);
  const events = [];
  let joined = "";
  let end = null;
  for await (const event of stream) {
    events.push(event.type);
    if (event.type === "content-delta") joined += event.delta?.message?.content?.text ?? "";
    if (event.type === "message-end") end = event.delta;
  }
  return { events, text: joined, finishReason: end?.finishReason ?? null, usage: end?.usage ?? null };
}

// Greedy (temperature 0), and sampled with a seed: streamed and whole replies must agree in both.
const greedy = { model, messages, maxTokens, temperature: 0 };
const seeded = { model, messages, maxTokens, temperature: 1, seed: 5 };
await record("chat", async () => reply(await client.chat(greedy)));
await record("stream", () => streamed(greedy));
await record("seededChat", async () => reply(await client.chat(seeded)));
await record("seededStream", () => streamed(seeded));

// A stop sequence taken from the seeded reply itself, so the same seeded run must stop just before it.
const sampled = result.seededChat?.text ?? "";
const stop = sampled.slice(4, 7);
if (stop.trim().length > 0) {
  await record("stopped", async () => ({ stop, ...reply(await client.chat({ ...seeded, stopSequences: [stop] })) }));
}

await record("embed", async () => {
  const response = await client.embed({
    model,
    texts: ["the crown", "a king"],
    inputType: "search_document",
    embeddingTypes: ["float", "int8", "binary"],
  });
  return { responseType: response.responseType, texts: response.texts, embeddings: response.embeddings, meta: response.meta };
});

const sample = "The quick brown fox, naïvely: 42!";
await record("tokenize", async () => {
  const response = await v1.tokenize({ text: sample, model });
  return { text: sample, tokens: response.tokens, tokenStrings: response.tokenStrings };
});
if (Array.isArray(result.tokenize?.tokens)) {
  await record("detokenize", async () => {
    const response = await v1.detokenize({ tokens: result.tokenize.tokens, model });
    return { text: response.text };
  });
}

// Grounded chat: documents as objects and strings, citations in the client's own types.
await record("groundedChat", async () => {
  const response = await client.chat({
    model,
    messages: [{ role: "user", content: "How do I book a flight?" }],
    documents: [{ id: "travel", data: { title: "Travel", snippet: "Employees book flights through the travel desk." } }, "Receipts are due in thirty days."],
    citationOptions: { mode: "FAST" },
    maxTokens,
    temperature: 0,
  });
  return { text: text(response.message), citations: response.message?.citations ?? null, finishReason: response.finishReason };
});

// Encoders, when the server has them: a cross-encoder's rerank (v2 and v1 clients) and an encoder's embeddings.
if (reranker) {
  const documents = ["the crown of the king", "a recipe for bread", "kings wear crowns"];
  await record("rerank", async () => {
    const response = await client.rerank({ model: reranker, query: "crown", documents, topN: 2 });
    return { results: response.results, meta: response.meta };
  });
  await record("rerankV1", async () => {
    const response = await v1.rerank({ model: reranker, query: "crown", documents: documents.map((text) => ({ text })), returnDocuments: true });
    return { results: response.results };
  });
  await record("rerankTopNZero", async () => client.rerank({ model: reranker, query: "crown", documents, topN: 0 }));
}
if (embedder) {
  await record("classify", async () => {
    const examples = [
      { text: "aaa aa", label: "a" }, { text: "aaaaa a", label: "a" },
      { text: "zz zzz", label: "z" }, { text: "zzzz z", label: "z" },
    ];
    const response = await v1.classify({ model: embedder, inputs: ["aaaa aaa", "zzz zzzz"], examples });
    return { classifications: response.classifications };
  });
  await record("encoderEmbed", async () => {
    const response = await client.embed({ model: embedder, texts: ["the crown", "a king"], inputType: "search_query", embeddingTypes: ["float"] });
    return { embeddings: response.embeddings, meta: response.meta };
  });
}

// Structured output: JSON mode through the client's own responseFormat field, several seeds so some replies end.
await record("jsonMode", async () => {
  const replies = [];
  for (let seed = 0; seed < 6; seed++) {
    const response = await client.chat({
      model, messages: [{ role: "user", content: "Describe a cat as JSON" }], responseFormat: { type: "json_object" },
      maxTokens: 96, temperature: 1.2, seed,
    });
    replies.push({ text: text(response.message), finishReason: response.finishReason });
  }
  return { replies };
});

// Tool calling: a required call whole and streamed (tool-call-start/-delta/-end), then a tool result answered.
const tools = [{
  type: "function",
  function: {
    name: "add",
    parameters: { type: "object", properties: { a: { type: "integer", maximum: 99 }, b: { type: "integer", maximum: 99 } }, required: ["a", "b"], additionalProperties: false },
  },
}];
const toolRequest = { model, messages: [{ role: "user", content: "2+3?" }], tools, toolChoice: "REQUIRED", maxTokens: 80, temperature: 0.8, seed: 1 };
await record("toolCall", async () => {
  const response = await client.chat(toolRequest);
  return { finishReason: response.finishReason, toolPlan: response.message?.toolPlan ?? null, toolCalls: response.message?.toolCalls ?? [] };
});
await record("toolCallStream", async () => {
  const events = [];
  const calls = [];
  let finishReason = null;
  for await (const event of await client.chatStream(toolRequest)) {
    events.push(event.type);
    const call = event.delta?.message?.toolCalls;
    if (event.type === "tool-call-start") calls[event.index] = { id: call.id, type: call.type, name: call.function.name, arguments: call.function.arguments ?? "" };
    if (event.type === "tool-call-delta") calls[event.index].arguments += call.function.arguments;
    if (event.type === "message-end") finishReason = event.delta.finishReason;
  }
  return { events, calls, finishReason };
});
await record("toolResult", async () => {
  const response = await client.chat({
    model, tools, toolChoice: "NONE", maxTokens: 8, seed: 2,
    messages: [
      { role: "user", content: "2+3?" },
      { role: "assistant", toolPlan: "I will add them.", toolCalls: [{ id: "call_1", type: "function", function: { name: "add", arguments: '{"a": 2, "b": 3}' } }] },
      { role: "tool", toolCallId: "call_1", content: [{ type: "document", document: { data: { sum: 5 } } }] },
    ],
  });
  return { finishReason: response.finishReason, text: text(response.message), toolCalls: response.message?.toolCalls ?? null };
});

await record("unknownModel", async () => client.chat({ model: "no-such-model", messages }));
await record("badRequest", async () => client.chat({ model, messages, maxTokens: 100000 }));

process.stdout.write(JSON.stringify(result));
