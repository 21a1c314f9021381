// Builds a BERT tokenizer.json with Hugging Face's tokenizers Rust core (through its Node bindings) from a vocab.txt,
// as transformers' BertTokenizerFast does: BertNormalizer, BertPreTokenizer, WordPiece, [CLS] $A [SEP] templates,
// the five BERT special tokens. The ids in the file are assigned by Hugging Face's library, not by the caller.
// stdin:  {"vocab": "/path/to/vocab.txt", "output": "/path/to/tokenizer.json", "lowercase": true}
// stdout: nothing; the file is written.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const tokenizers = createRequire(import.meta.url)("tokenizers");
const request = JSON.parse(readFileSync(0, "utf8"));
const model = await tokenizers.WordPiece.fromFile(request.vocab, { unkToken: "[UNK]" });
const tokenizer = new tokenizers.Tokenizer(model);
// strip_accents left unset: it follows lowercase, as in the BERT checkpoints' own tokenizer.json files.
tokenizer.setNormalizer(tokenizers.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: request.lowercase }));
tokenizer.setPreTokenizer(tokenizers.bertPreTokenizer());
tokenizer.setDecoder(tokenizers.wordPieceDecoder("##"));
tokenizer.addSpecialTokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
const cls = tokenizer.tokenToId("[CLS]");
const sep = tokenizer.tokenToId("[SEP]");
tokenizer.setPostProcessor(tokenizers.templateProcessing("[CLS] $A:0 [SEP]:0", "[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1", [
  ["[CLS]", cls],
  ["[SEP]", sep],
]));
tokenizer.save(request.output, true);
