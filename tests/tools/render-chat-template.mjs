// Renders a chat template with Hugging Face's own JavaScript Jinja implementation (@huggingface/jinja, the
// renderer transformers.js uses), an independent reference for the templates Strata writes into tokenizer_config.json
// and for Strata's own Jinja renderer.
// stdin, one request: {"template": "...", "messages": [{"role": "...", "content": "..."}, ...],
//          "add_generation_prompt": false, "bos_token": "", "eos_token": "",      (optional)
//          "variables": {"tools": [...], "documents": [...], ...},                 (optional, merged into the context)
//          "now": "2024-07-26T12:00:00"}                                           (optional, local time strftime_now sees)
// stdout: the rendered string, exactly (no trailing newline added).
// stdin, a batch: a JSON array of such requests.
// stdout: a JSON array with, per request, {"output": "..."} or {"error": "..."} (a template that throws, e.g. by
//         raise_exception, is reported, not fatal), so many renders cost one node start.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

function render(request) {
  if (typeof request.template !== "string" || !Array.isArray(request.messages)) {
    throw new Error('expected {"template": string, "messages": [...]} on stdin');
  }
  const context = {
    bos_token: request.bos_token ?? "",
    eos_token: request.eos_token ?? "",
    ...(request.variables ?? {}),
    messages: request.messages,
    add_generation_prompt: request.add_generation_prompt ?? false,
  };
  return withClock(request.now, () => new Template(request.template).render(context));
}

// @huggingface/jinja's strftime_now reads `new Date()`; a fixed clock makes "Today Date" lines reproducible.
function withClock(now, action) {
  if (typeof now !== "string") return action();
  const RealDate = globalThis.Date;
  const fixed = new RealDate(now).getTime();
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(fixed);
      else super(...args);
    }
    static now() {
      return fixed;
    }
  };
  try {
    return action();
  } finally {
    globalThis.Date = RealDate;
  }
}

const input = JSON.parse(readFileSync(0, "utf8"));
if (Array.isArray(input)) {
  const results = input.map((request) => {
    try {
      return { output: render(request) };
    } catch (error) {
      return { error: String(error?.message ?? error) };
    }
  });
  process.stdout.write(JSON.stringify(results));
} else {
  process.stdout.write(render(input));
}
