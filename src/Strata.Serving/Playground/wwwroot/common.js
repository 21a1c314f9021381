// Shared by Strata's pages (playground, arena, leaderboard): the API key kept in this browser, the server's error
// messages, and server-sent events read from a fetch. Loaded before each page's own script.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = "strata.playground.apiKey";

/** JSON request headers, with the API key as a bearer token when one is given. */
function apiHeaders(key) {
  const result = { "Content-Type": "application/json" };
  if (key) result.Authorization = "Bearer " + key;
  return result;
}

/** Fills the API key field from local storage and keeps it there as it changes; onChange runs after each change. */
function bindApiKey(input, onChange) {
  input.value = localStorage.getItem(KEY_STORAGE) ?? "";
  input.addEventListener("change", () => {
    const value = input.value.trim();
    if (value) localStorage.setItem(KEY_STORAGE, value);
    else localStorage.removeItem(KEY_STORAGE);
    onChange?.();
  });
}

/** The server's error message from an OpenAI-shaped body ({"error": {"message"}}) or Cohere's ({"message"}). */
async function errorMessage(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    const message = body?.error?.message ?? body?.message;
    if (message) return `${message} (HTTP ${response.status})`;
  } catch {
    // Not JSON (a proxy's HTML page, say): fall through to the raw text.
  }
  return `HTTP ${response.status} ${response.statusText}${text ? ": " + text.slice(0, 200) : ""}`;
}

/**
 * Reads an SSE body (data: lines, events separated by a blank line) and calls onEvent with each parsed JSON payload
 * until data: [DONE]. EventSource cannot be used: it only issues GETs.
 */
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      onEvent(JSON.parse(data));
    }
  }
}
