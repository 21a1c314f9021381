// Strata arena leaderboard: ratings from the tenant's counted votes (GET /v1/arena/leaderboard), as a table, an
// interval plot drawn here in SVG, and the win-rate matrix. Needs common.js.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function cell(row, text, tag = "td") {
  const element = document.createElement(tag);
  element.textContent = text;
  row.append(element);
  return element;
}

function svg(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function renderEntries(board) {
  const body = $("entries").querySelector("tbody");
  body.replaceChildren(...board.entries.map((e) => {
    const row = document.createElement("tr");
    row.dataset.testid = "entry";
    cell(row, e.rank);
    cell(row, e.model, "th").scope = "row";
    cell(row, e.rating.toFixed(0));
    cell(row, `${e.lower.toFixed(0)} – ${e.upper.toFixed(0)}`);
    for (const count of [e.battles, e.wins, e.ties, e.losses]) cell(row, count);
    return row;
  }));
}

/** One row per model: its interval as a bar, its rating as a dot, on a shared scale padded around all intervals. */
function renderPlot(entries) {
  const width = 640, label = 170, right = 20, rowHeight = 26, top = 10, axis = 24;
  const low = Math.min(...entries.map((e) => e.lower)), high = Math.max(...entries.map((e) => e.upper));
  const pad = Math.max(10, (high - low) * 0.1);
  const x = (value) => label + ((value - (low - pad)) / (high - low + 2 * pad)) * (width - label - right);
  const height = top + entries.length * rowHeight + axis;
  const plot = $("intervals");
  plot.setAttribute("viewBox", `0 0 ${width} ${height}`);
  plot.setAttribute("width", width);
  plot.setAttribute("height", height);
  const parts = [];
  entries.forEach((e, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    parts.push(svg("text", { x: label - 8, y: y + 4, "text-anchor": "end", class: "label" }, e.model));
    parts.push(svg("line", { x1: x(e.lower), x2: x(e.upper), y1: y, y2: y, class: "interval" }));
    parts.push(svg("circle", { cx: x(e.rating), cy: y, r: 4, class: "rating" }, undefined));
    parts[parts.length - 1].append(svg("title", {}, `${e.model}: ${e.rating.toFixed(0)} (${e.lower.toFixed(0)} – ${e.upper.toFixed(0)})`));
  });
  const baseline = top + entries.length * rowHeight;
  parts.push(svg("line", { x1: label, x2: width - right, y1: baseline, y2: baseline, class: "axis" }));
  for (const value of [low - pad, (low + high) / 2, high + pad]) {
    parts.push(svg("text", { x: x(value), y: baseline + 16, "text-anchor": "middle", class: "tick" }, value.toFixed(0)));
  }
  plot.replaceChildren(...parts);
}

function renderMatrix(board) {
  const table = $("win-rates");
  const head = document.createElement("tr");
  cell(head, "", "th");
  for (const model of board.models) cell(head, model, "th").scope = "col";
  const rows = board.models.map((model, i) => {
    const row = document.createElement("tr");
    cell(row, model, "th").scope = "row";
    board.models.forEach((_, j) => {
      const rate = board.win_rate[i][j];
      const count = board.battle_counts[i][j];
      cell(row, i === j ? "" : `${rate === null ? "–" : Math.round(rate * 100) + "%"} (${count})`);
    });
    return row;
  });
  table.replaceChildren(head, ...rows);
}

async function load() {
  showError("");
  try {
    const style = $("style-control").checked;
    const response = await fetch(`/v1/arena/leaderboard?style_control=${style}`, { headers: apiHeaders($("api-key").value.trim()) });
    if (!response.ok) throw new Error(await errorMessage(response));
    const board = await response.json();
    const empty = board.entries.length === 0;
    $("summary").textContent = empty
      ? "No counted votes yet: battles appear here once voted on in the arena."
      : `${board.total_battles} counted ${board.total_battles === 1 ? "vote" : "votes"} across ${board.models.length} models${board.style_control ? ", style controlled" : ""}.`;
    $("summary").dataset.total = String(board.total_battles);
    $("entries").hidden = empty;
    $("plot").hidden = empty;
    $("matrix").hidden = empty;
    renderEntries(board);
    if (!empty) {
      renderPlot(board.entries);
      renderMatrix(board);
    }
  } catch (e) {
    $("summary").textContent = "";
    showError("Could not load the leaderboard: " + e.message);
  }
}

function init() {
  bindApiKey($("api-key"), load);
  $("style-control").addEventListener("change", load);
  load();
}

init();
