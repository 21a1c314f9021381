// Encodes and decodes texts with Hugging Face's tokenizers Rust core (the library behind Python's
// `tokenizers`, here through its official Node bindings): if this reads a tokenizer.json, so does Python.
// stdin:  {"tokenizer": "/path/to/tokenizer.json", "texts": ["...", ...]}
// stdout: {"ids": [[id, ...], ...], "decoded": ["...", ...]}   without added special tokens.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const { Tokenizer } = createRequire(import.meta.url)("tokenizers");
const request = JSON.parse(readFileSync(0, "utf8"));
const tokenizer = Tokenizer.fromFile(request.tokenizer);
const ids = [];
const decoded = [];
for (const text of request.texts) {
  const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
  const tokenIds = Array.from(encoding.getIds(), Number);
  ids.push(tokenIds);
  decoded.push(await tokenizer.decode(tokenIds, false));
}
process.stdout.write(JSON.stringify({ ids, decoded }));
