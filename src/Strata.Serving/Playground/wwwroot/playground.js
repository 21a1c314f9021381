// Strata playground: a chat client for the server's own OpenAI-compatible API, with no dependencies beyond common.js.
"use strict";

/** The conversation as sent to the API (the system prompt is added per request, so edits apply to the next turn). */
const history = [];
/** The in-flight request's AbortController, or null when idle. */
let inFlight = null;
/** Bumped by "New chat", so a reply still finishing does not land in the new conversation. */
let conversation = 0;

function headers() {
  return apiHeaders($("api-key").value.trim());
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

async function loadModels() {
  const select = $("model");
  const previous = select.value;
  select.disabled = true;
  try {
    const response = await fetch("/v1/models", { headers: headers() });
    if (!response.ok) throw new Error(await errorMessage(response));
    // Encoders (embed/rerank/classify only) are listed too; the playground chats.
    const models = ((await response.json()).data ?? []).filter((m) => !m.endpoints || m.endpoints.includes("chat"));
    select.replaceChildren(...models.map((m) => {
      const option = new Option(m.id, m.id);
      option.dataset.contextLength = m.max_model_len ?? m.context_length ?? "";
      return option;
    }));
    if (models.some((m) => m.id === previous)) select.value = previous;
    select.disabled = models.length === 0;
    showError(models.length === 0 ? "The server has no models loaded." : "");
    describeModel();
  } catch (e) {
    select.replaceChildren(new Option("(no models)", ""));
    showError("Could not list models: " + e.message);
  }
}

/** The selected model's context length (prompt and reply together), or null when the server does not say. */
function contextLength() {
  const context = parseInt($("model").selectedOptions[0]?.dataset.contextLength ?? "", 10);
  return Number.isFinite(context) ? context : null;
}

function describeModel() {
  const context = contextLength();
  $("model-info").textContent = context ? `context: ${context} tokens` : "";
}

/** Appends a transcript entry; assistant entries also get a stats line. Returns the entry's content element. */
function addMessage(role, text) {
  const item = document.createElement("li");
  item.className = "message " + role;
  item.dataset.testid = role + "-message";
  const label = document.createElement("span");
  label.className = "role";
  label.textContent = role;
  const content = document.createElement("div");
  content.className = "content";
  content.dataset.testid = role === "assistant" ? "reply" : "user-text";
  content.textContent = text;
  item.append(label, content);
  if (role === "assistant") {
    const stats = document.createElement("div");
    stats.className = "stats";
    stats.dataset.testid = "stats";
    item.append(stats);
  }
  $("transcript").append(item);
  scrollToEnd();
  return content;
}

/** Whether the reader is at the end of the transcript (so new text should keep it there, not yank them back). */
function nearBottom() {
  const t = $("transcript");
  return t.scrollHeight - t.scrollTop - t.clientHeight < 48;
}

function scrollToEnd() {
  $("transcript").scrollTop = $("transcript").scrollHeight;
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("send").hidden = busy;
  $("stop").hidden = !busy;
  document.body.dataset.busy = busy ? "true" : "false";
}

function requestBody(messages, maxTokens) {
  const body = {
    model: $("model").value,
    messages,
    temperature: Number($("temperature").value),
    top_p: Number($("top-p").value),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (maxTokens !== null) body.max_tokens = maxTokens;
  const seed = parseInt($("seed").value, 10);
  if (Number.isFinite(seed)) body.seed = seed;
  return body;
}

/** The chat prompt's length in tokens, counted by the server with the model's own template (as the chat will be). */
async function countPromptTokens(messages, signal) {
  const response = await fetch("/v1/tokenize", {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ model: $("model").value, messages }),
    signal,
  });
  if (!response.ok) throw new Error(await errorMessage(response));
  return (await response.json()).tokens.length;
}

/**
 * This turn's max_tokens: the Max tokens setting, capped to what the context leaves after the prompt. The API refuses
 * (400) a prompt plus max_tokens the context cannot hold, as OpenAI's and vLLM's do, so the page never asks for more:
 * the default 256 must still get a reply from a 128-token model. Returns { maxTokens, capped }; maxTokens is null
 * when no setting is given (the server then takes what fits); throws when the prompt alone fills the context.
 */
async function replyBudget(messages, signal) {
  const setting = parseInt($("max-tokens").value, 10);
  const wanted = Number.isFinite(setting) && setting >= 1 ? setting : null;
  const context = contextLength();
  if (context === null) return { maxTokens: wanted, capped: false };
  const prompt = await countPromptTokens(messages, signal);
  const room = context - prompt;
  if (room < 1) {
    throw new Error(`This conversation is ${prompt} tokens long, and ${$("model").value} holds ${context} tokens in all, ` +
      "prompt and reply together, so there is no room for a reply. Shorten the message, or start a New chat.");
  }
  if (wanted === null || wanted <= room) return { maxTokens: wanted, capped: false };
  return { maxTokens: room, capped: true };
}

function formatStats(s) {
  const parts = [];
  if (s.firstToken !== null) parts.push(`TTFT ${((s.firstToken - s.start) / 1000).toFixed(2)} s`);
  // Decode speed: tokens after the first, over the time since it arrived (the first token's wait is TTFT).
  const tokens = s.completionTokens ?? s.deltas;
  const seconds = s.firstToken === null ? 0 : (s.end - s.firstToken) / 1000;
  if (tokens > 1 && seconds > 0) {
    const rate = `${((tokens - 1) / seconds).toFixed(1)} tok/s`;
    parts.push(s.completionTokens === null ? "≈" + rate : rate);
  }
  parts.push(`${tokens} tokens${s.completionTokens === null ? " (approx.)" : ""}`);
  if (s.capped) parts.push(`capped at ${s.maxTokens} by the context`);
  if (s.stopped) parts.push("stopped");
  return parts.join(" · ");
}

async function send() {
  const text = $("prompt").value;
  if (inFlight || !text.trim()) return;
  if (!$("model").value) {
    showError("Choose a model first (is the API key right?).");
    return;
  }
  showError("");
  $("prompt").value = "";
  history.push({ role: "user", content: text });
  const userContent = addMessage("user", text);
  const reply = addMessage("assistant", "");
  const item = reply.parentElement;
  const replyText = reply.appendChild(document.createTextNode(""));
  reply.dataset.deltas = "0";
  item.dataset.state = "streaming";
  const system = $("system").value.trim();
  const messages = system ? [{ role: "system", content: system }, ...history] : [...history];

  const controller = new AbortController();
  const turnOf = conversation;
  inFlight = controller;
  setBusy(true);
  const stats = { start: performance.now(), firstToken: null, end: null, deltas: 0, completionTokens: null, stopped: false };
  try {
    const budget = await replyBudget(messages, controller.signal);
    stats.maxTokens = budget.maxTokens;
    stats.capped = budget.capped;
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify(requestBody(messages, budget.maxTokens)),
      signal: controller.signal,
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    // Deltas are drawn at most once per frame: a fast model sends hundreds per second, and laying out the page for
    // each one starves the browser (and the Stop button) as the reply grows.
    let pending = "";
    let frame = 0;
    const flush = () => {
      frame = 0;
      if (!pending) return;
      const follow = nearBottom();
      replyText.appendData(pending);
      pending = "";
      reply.dataset.deltas = String(stats.deltas);
      if (follow) scrollToEnd();
    };
    await readEvents(response, (chunk) => {
      // The server reports failures after the stream has started as an event of their own.
      if (chunk.error) throw new Error(chunk.error.message ?? "the server reported an error mid-stream");
      const content = chunk.choices?.[0]?.delta?.content;
      if (content) {
        stats.firstToken ??= performance.now();
        stats.deltas++;
        // One text node grown in place: re-setting textContent per token would re-render the whole reply each time.
        pending += content;
        frame ||= requestAnimationFrame(flush);
      }
      if (chunk.usage) stats.completionTokens = chunk.usage.completion_tokens;
    }).finally(() => {
      cancelAnimationFrame(frame);
      flush();
    });
    item.dataset.state = "done";
  } catch (e) {
    if (e.name !== "AbortError") {
      // A failed turn leaves no trace in the history; its text goes back into the box to retry.
      history.pop();
      userContent.parentElement.remove();
      item.remove();
      if (!$("prompt").value) $("prompt").value = text;
      showError(e.message);
      return;
    }
    stats.stopped = true;
    item.dataset.state = "stopped";
  } finally {
    stats.end = performance.now();
    // After "New chat" and a quick new message, the controller in flight is no longer this turn's.
    if (inFlight === controller) {
      inFlight = null;
      setBusy(false);
      $("prompt").focus();
    }
  }
  if (turnOf !== conversation) return;
  // A stopped reply stays in the history as far as it got, as it would in any chat client.
  history.push({ role: "assistant", content: reply.textContent });
  item.querySelector(".stats").textContent = formatStats(stats);
}

function init() {
  bindApiKey($("api-key"), loadModels);
  for (const id of ["temperature", "top-p"]) {
    $(id).addEventListener("input", () => { $(id + "-value").textContent = $(id).value; });
  }
  $("model").addEventListener("change", describeModel);
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  $("prompt").addEventListener("keydown", (e) => {
    // isComposing: Enter that confirms an IME composition is not a send.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  $("stop").addEventListener("click", () => inFlight?.abort());
  $("clear").addEventListener("click", () => {
    inFlight?.abort();
    conversation++;
    history.length = 0;
    $("transcript").replaceChildren();
    showError("");
  });
  loadModels();
}

init();
