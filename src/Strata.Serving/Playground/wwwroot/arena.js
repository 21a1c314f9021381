// Strata arena: two anonymous chat models answer side by side through /v1/arena; the user votes, and only the vote's
// answer says who they were. Needs common.js.
"use strict";

const VOTER_STORAGE = "strata.arena.voter";
const SIDES = ["a", "b"];
const VERDICTS = { a: "A is better", b: "B is better", tie: "Tie", both_bad: "Both are bad" };
const EXCLUSIONS = {
  reveals_model_name: "an answer names a model",
  daily_cap: "you have reached today's vote limit",
  duplicate_prompt: "this first message already has enough votes",
};

/** The current battle: its id once the first message started it, turns stored, and whether it has been voted on. */
const battle = { id: null, turns: 0, voted: false };
let busy = false;
/** The running turn's AbortController, or null. */
let inFlight = null;
/** Bumped by "New battle", so a turn still finishing does not land in the new one. */
let generation = 0;

function headers() {
  return apiHeaders($("api-key").value.trim());
}

/** This browser's anonymous voter id, made once and kept: the server's daily vote cap counts by it. */
function voterId() {
  let id = localStorage.getItem(VOTER_STORAGE);
  if (!id) {
    // getRandomValues, not randomUUID: the latter exists only in secure contexts (https, localhost).
    id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(VOTER_STORAGE, id);
  }
  return id;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function updateControls() {
  for (const button of document.querySelectorAll("[data-winner]")) button.disabled = busy || battle.voted || battle.turns === 0;
  $("send").disabled = busy || battle.voted;
  $("prompt").disabled = battle.voted;
  document.body.dataset.busy = busy ? "true" : "false";
}

/** Appends a message to one side's transcript; returns the entry. */
function addEntry(side, role, text) {
  const item = document.createElement("li");
  item.className = "message " + role;
  item.dataset.testid = role === "user" ? "user-message" : "answer";
  const content = document.createElement("div");
  content.className = "content";
  content.textContent = text;
  item.append(content);
  $("transcript-" + side).append(item);
  return item;
}

async function post(path, body, signal) {
  const response = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body), signal });
  if (!response.ok) throw new Error(await errorMessage(response));
  return response;
}

async function send() {
  const text = $("prompt").value;
  if (busy || battle.voted || !text.trim()) return;
  showError("");
  busy = true;
  updateControls();
  const mine = generation;
  const controller = new AbortController();
  inFlight = controller;
  const answers = {};
  const entries = [];
  try {
    battle.id ??= (await (await post("/v1/arena/battles", {}, controller.signal)).json()).id;
    $("prompt").value = "";
    for (const side of SIDES) {
      entries.push(addEntry(side, "user", text));
      const item = addEntry(side, "assistant", "");
      item.dataset.state = "streaming";
      item.dataset.deltas = "0";
      entries.push(item);
      // One text node grown in place per side, so each delta does not re-render the whole answer.
      answers[side] = { item, text: item.firstChild.appendChild(document.createTextNode("")) };
    }
    const response = await post(`/v1/arena/battles/${battle.id}/turns`, { message: text }, controller.signal);
    await readEvents(response, (event) => {
      // The server reports failures after the stream has started as an event of their own.
      if (event.error) throw new Error(event.error.message ?? "the server reported an error mid-stream");
      const answer = answers[event.side];
      if (!answer) return;
      if (event.delta) {
        answer.text.appendData(event.delta);
        answer.item.dataset.deltas = String(Number(answer.item.dataset.deltas) + 1);
      }
      if (event.done) answer.item.dataset.state = "done";
    });
    if (SIDES.some((side) => answers[side].item.dataset.state !== "done")) throw new Error("the stream ended before both answers did");
    battle.turns++;
  } catch (e) {
    if (mine !== generation) return;
    // A failed turn is not part of the battle (the server stored nothing): its entries go, its message comes back.
    for (const item of entries) item.remove();
    if (!$("prompt").value) $("prompt").value = text;
    if (e.name !== "AbortError") showError(e.message);
  } finally {
    if (mine === generation) {
      busy = false;
      inFlight = null;
      updateControls();
    }
  }
}

async function vote(winner) {
  if (!battle.id || busy || battle.voted) return;
  showError("");
  busy = true;
  updateControls();
  try {
    const result = await (await post(`/v1/arena/battles/${battle.id}/vote`, { winner, voter: voterId() })).json();
    battle.voted = true;
    for (const side of SIDES) {
      $("identity-" + side).textContent = result.models[side];
      $("identity-" + side).hidden = false;
    }
    let verdict = `You voted: ${VERDICTS[winner]}. Model A was ${result.models.a}; model B was ${result.models.b}.`;
    if (!result.counted) verdict += ` Your vote is kept but not counted: ${EXCLUSIONS[result.excluded_reason] ?? result.excluded_reason}.`;
    $("verdict").textContent = verdict;
    $("verdict").hidden = false;
    document.body.dataset.voted = winner;
  } catch (e) {
    showError(e.message);
  } finally {
    busy = false;
    updateControls();
  }
}

function newBattle() {
  inFlight?.abort();
  inFlight = null;
  generation++;
  Object.assign(battle, { id: null, turns: 0, voted: false });
  busy = false;
  for (const side of SIDES) {
    $("transcript-" + side).replaceChildren();
    $("identity-" + side).textContent = "";
    $("identity-" + side).hidden = true;
  }
  $("verdict").hidden = true;
  delete document.body.dataset.voted;
  showError("");
  updateControls();
  $("prompt").focus();
}

function init() {
  bindApiKey($("api-key"));
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  $("prompt").addEventListener("keydown", (e) => {
    // isComposing: Enter that confirms an IME composition is not a send.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  for (const button of document.querySelectorAll("[data-winner]")) button.addEventListener("click", () => vote(button.dataset.winner));
  $("new-battle").addEventListener("click", newBattle);
  updateControls();
}

init();
