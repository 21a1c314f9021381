// Encodes and decodes texts with Hugging Face's tokenizers Rust core (the library behind Python's
// `tokenizers`, here through its official Node bindings): if this reads a tokenizer.json, so does Python.
// stdin:  {"tokenizer": "/path/to/tokenizer.json", "texts": ["...", ["first", "second"], ...],
//          "add_special_tokens": false, "max_length": 32}   (the last two are optional; an entry that is a
//          two-element array is encoded as a pair; max_length turns on longest_first truncation)
// stdout: {"ids": [[id, ...], ...], "type_ids": [[...], ...], "decoded": ["...", ...]}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const { Tokenizer } = createRequire(import.meta.url)("tokenizers");
const request = JSON.parse(readFileSync(0, "utf8"));
const tokenizer = Tokenizer.fromFile(request.tokenizer);
if (request.max_length !== undefined) tokenizer.setTruncation(request.max_length, { strategy: "LongestFirst" });
const addSpecialTokens = request.add_special_tokens ?? false;
const ids = [];
const typeIds = [];
const decoded = [];
for (const text of request.texts) {
  const [first, second] = Array.isArray(text) ? text : [text, null];
  const encoding = await tokenizer.encode(first, second, { addSpecialTokens });
  const tokenIds = Array.from(encoding.getIds(), Number);
  ids.push(tokenIds);
  typeIds.push(Array.from(encoding.getTypeIds(), Number));
  decoded.push(await tokenizer.decode(tokenIds, false));
}
process.stdout.write(JSON.stringify({ ids, type_ids: typeIds, decoded }));
