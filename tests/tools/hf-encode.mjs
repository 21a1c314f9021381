// Golden ids from Hugging Face's own JavaScript tokenizers port (independent of Strata's code).
// stdin: {"tokenizer": "<path to tokenizer.json>", "texts": ["...", ...]}
// stdout: [[ids of text 0], [ids of text 1], ...], encoded without added BOS/EOS (add_special_tokens: false).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const request = JSON.parse(readFileSync(0, "utf8"));
const tokenizerJson = JSON.parse(readFileSync(request.tokenizer, "utf8"));
let config = {};
try {
  config = JSON.parse(readFileSync(join(dirname(request.tokenizer), "tokenizer_config.json"), "utf8"));
} catch {
  // tokenizer_config.json is optional
}
const tokenizer = new Tokenizer(tokenizerJson, config);
const result = request.texts.map((text) => Array.from(tokenizer.encode(text, { add_special_tokens: false }).ids, Number));
process.stdout.write(JSON.stringify(result));
