// Encodes texts with Hugging Face's own JavaScript tokenizer (@huggingface/tokenizers), an independent
// reference for tokenizer.json files that Strata writes or loads.
// stdin:  {"tokenizer": "/path/to/tokenizer.json", "texts": ["...", ...],
//          "add_special_tokens": false, "tokenizer_config": {...}}   (the last two are optional)
// stdout: [[id, ...], ...]  one id list per text, in order.
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const request = JSON.parse(readFileSync(0, "utf8"));
if (typeof request.tokenizer !== "string" || !Array.isArray(request.texts)) {
  throw new Error('expected {"tokenizer": path, "texts": [...]} on stdin');
}
const tokenizerJson = JSON.parse(readFileSync(request.tokenizer, "utf8"));
const tokenizer = new Tokenizer(tokenizerJson, request.tokenizer_config ?? {});
const addSpecialTokens = request.add_special_tokens ?? false;
const ids = request.texts.map((text) => tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids);
process.stdout.write(JSON.stringify(ids));
