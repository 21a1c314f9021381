// Encodes texts with Hugging Face's own JavaScript tokenizer (@huggingface/tokenizers), an independent
// reference for tokenizer.json files that Strata writes or loads.
// stdin:  {"tokenizer": "/path/to/tokenizer.json", "texts": ["...", ...],
//          "add_special_tokens": false, "tokenizer_config": {...}}   (the last two are optional;
//          without tokenizer_config, tokenizer_config.json beside the tokenizer is used when present)
// stdout: [[id, ...], ...]  one id list per text, in order.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const request = JSON.parse(readFileSync(0, "utf8"));
if (typeof request.tokenizer !== "string" || !Array.isArray(request.texts)) {
  throw new Error('expected {"tokenizer": path, "texts": [...]} on stdin');
}
const tokenizerJson = JSON.parse(readFileSync(request.tokenizer, "utf8"));
let config = request.tokenizer_config;
if (config === undefined) {
  try {
    config = JSON.parse(readFileSync(join(dirname(request.tokenizer), "tokenizer_config.json"), "utf8"));
  } catch {
    config = {}; // tokenizer_config.json is optional
  }
}
const tokenizer = new Tokenizer(tokenizerJson, config);
const addSpecialTokens = request.add_special_tokens ?? false;
const ids = request.texts.map((text) => Array.from(tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids, Number));
process.stdout.write(JSON.stringify(ids));
