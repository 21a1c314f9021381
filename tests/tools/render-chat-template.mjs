// Renders a chat template with Hugging Face's own JavaScript Jinja implementation (@huggingface/jinja, the
// renderer transformers.js uses), an independent reference for the templates Strata writes into tokenizer_config.json.
// stdin:  {"template": "...", "messages": [{"role": "...", "content": "..."}, ...],
//          "add_generation_prompt": false, "bos_token": "", "eos_token": ""}   (the last three are optional)
// stdout: the rendered string, exactly (no trailing newline added).
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const request = JSON.parse(readFileSync(0, "utf8"));
if (typeof request.template !== "string" || !Array.isArray(request.messages)) {
  throw new Error('expected {"template": string, "messages": [...]} on stdin');
}
const rendered = new Template(request.template).render({
  messages: request.messages,
  add_generation_prompt: request.add_generation_prompt ?? false,
  bos_token: request.bos_token ?? "",
  eos_token: request.eos_token ?? "",
});
process.stdout.write(rendered);
