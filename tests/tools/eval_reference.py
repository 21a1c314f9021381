#!/usr/bin/python3
"""Independent reference for Strata's evaluation harness (golden values for tests/Strata.Evaluation.Tests).

Regenerate (deterministic):

    /usr/bin/python3 tests/tools/eval_reference.py

Writes tests/Strata.Evaluation.Tests/Golden/harness/:
  model/            a tiny random Llama (config.json, model.safetensors from llama_reference's writer) with a
                    byte tokenizer: tokenizer.json is byte-level BPE with no merges, so every UTF-8 byte is one
                    token and the id of byte b is b (ids 256/257 are <s>/</s>); tokenization here is just
                    list(text.encode("utf-8")), independent of any tokenizer code.
  mc.jsonl, mc.yaml a multiple-choice task in lm-evaluation-harness's form
  rolling.jsonl, rolling.yaml
                    a loglikelihood_rolling task
  ll.jsonl, ll.yaml a loglikelihood task (LAMBADA's form): half its targets are the model's own greedy continuation
  golden.json       what lm-evaluation-harness's definitions give on them, computed in float64 numpy:
    multiple choice: per item, the log-likelihood of " " + choice after "Question: {q}\\nAnswer:" (the context
      read with BOS first, as the model's tokenizer config says), and the metrics
      acc = mean(argmax ll == gold), acc_norm = mean(argmax ll/len(choice chars) == gold),
      acc_bytes = mean(argmax ll/len(choice utf-8 bytes) == gold)  (first index wins ties);
    multiple choice with --apply-chat-template: the same, the prompt being ChatML's rendering of one user turn with the
      generation prompt ("<|im_start|>user\\n{prompt}<|im_end|>\\n<|im_start|>assistant\\n", the fallback template of a
      model without one; no BOS, as the template has none), the choice encoded after it; pairs longer than the
      context keep their last context + 1 tokens (the harness's left truncation), which several of these items need;
    loglikelihood: per item ll of the target after BOS + text, is_greedy (every target token is the argmax, first
      index winning ties); perplexity = exp(-mean ll), acc = mean is_greedy;
    rolling: lm-eval's get_rolling_token_windows(tokens, prefix=BOS, max_seq_len=context, context_len=1) +
      make_disjoint_window: every token scored once with up to `context` tokens before it;
      word_perplexity = exp(-sum ll / words), byte_perplexity = exp(-sum ll / bytes),
      bits_per_byte = -sum ll / bytes / ln 2, summed over documents (words = len(re.split(r"\\s+", text))).
"""
import json
import math
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llama_reference import forward, log_softmax, make_config, make_weights  # noqa: E402
from reference_safetensors import read_safetensors, write_safetensors  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "Strata.Evaluation.Tests", "Golden", "harness")
NOTE = "produced by tests/tools/eval_reference.py (numpy), independent of Strata"
BOS, EOS, CONTEXT = 256, 257, 96

MC_DOCS = [
    {"question": "What colour is the sky?", "choices": ["blue", "green", "a deep shade of red"], "answer": 0},
    {"question": "2 + 2 =", "choices": ["3", "4", "22"], "answer": 1},
    {"question": "Drink?", "choices": ["café au lait", "tea", "water"], "answer": 0},
    {"question": "Capital of Japan", "choices": ["東京", "Kyoto", "Osaka city"], "answer": 0},
    {"question": "Opposite of up", "choices": ["down", "sideways", "up"], "answer": 0},
    {"question": "Which is a fruit?", "choices": ["carrot", "apple", "potato", "leek"], "answer": 1},
    {"question": "Greek letter", "choices": ["λ", "lambda", "L"], "answer": 0},
    {"question": "Days in a week", "choices": ["seven", "7", "five"], "answer": 1},
    {"question": "Ice is", "choices": ["cold", "hot", "naïve"], "answer": 0},
    {"question": "Bees make", "choices": ["honey", "milk", "silk"], "answer": 0},
]

ROLLING_DOCS = [
    {"page": "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: rough winds do "
             "shake the darling buds of May, and summer's lease hath all too short a date; sometime too hot the "
             "eye of heaven shines, and often is his gold complexion dimm'd."},
    {"page": "Naïve café owners — 東京 —\nshort line."},
]

MC_YAML = """# A tiny multiple-choice task in lm-evaluation-harness's form; golden values in golden.json come from
# tests/tools/eval_reference.py.
task: golden_mc
dataset_path: json
dataset_kwargs:
  data_files:
    test: mc.jsonl
test_split: test
output_type: multiple_choice
doc_to_text: "Question: {{question}}\\nAnswer:"
doc_to_choice: choices
doc_to_target: answer
metric_list:
  - metric: acc
  - metric: acc_norm
  - metric: acc_bytes
"""

ROLLING_YAML = """# Rolling log-likelihood over whole documents; golden values in golden.json.
task: golden_rolling
dataset_path: rolling.jsonl
output_type: loglikelihood_rolling
doc_to_text: ""
doc_to_target: "{{page}}"
metric_list:
  - metric: word_perplexity
  - metric: byte_perplexity
  - metric: bits_per_byte
"""


def bytes_to_unicode():
    # GPT-2's byte -> printable character table (the ByteLevel pre-tokenizer's alphabet).
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_json():
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}
    special = lambda i, s: {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True}
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [special(BOS, "<s>"), special(EOS, "</s>")],
            "normalizer": None, "pre_tokenizer": byte_level, "post_processor": None, "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                      "ignore_merges": False, "vocab": vocab, "merges": []}}


def tok(text):
    return list(text.encode("utf-8"))


def continuation_logprob(cfg, W, context_ids, cont_ids):
    ids = context_ids + cont_ids
    lp = log_softmax(forward(cfg, W, ids[:-1]))
    n = len(context_ids)
    return float(sum(lp[n - 1 + i, cont_ids[i]] for i in range(len(cont_ids))))


def truncated_logprob(cfg, W, context_ids, cont_ids):
    # lm-evaluation-harness's left truncation: of context + continuation keep the last max_length + 1 tokens (the last
    # is only predicted), so the continuation is scored after as much context as fits.
    ids = (context_ids + cont_ids)[-(CONTEXT + 1):]
    lp = log_softmax(forward(cfg, W, ids[:-1]))
    n = len(ids) - len(cont_ids)
    return float(sum(lp[n - 1 + i, cont_ids[i]] for i in range(len(cont_ids))))


def argmax_first(values):
    best = 0
    for i, v in enumerate(values):
        if v > values[best]:
            best = i
    return best


def rolling_windows(tokens, prefix, max_len):
    # lm-eval's get_rolling_token_windows(context_len=1) followed by make_disjoint_window.
    pred_len = max_len
    first = min(max_len, len(tokens))
    windows = [([prefix] + tokens[: first - 1], tokens[:first])]
    predicted = first
    while predicted < len(tokens):
        n = min(len(tokens) - predicted, pred_len)
        end = predicted + n
        windows.append((tokens[end - max_len - 1: end - 1], tokens[end - n: end]))
        predicted += n
    return [(a[: len(a) - (len(b) - 1)], b) for a, b in windows]


LL_YAML = """# A loglikelihood task in LAMBADA's form; golden values in golden.json.
task: golden_ll
dataset_path: ll.jsonl
output_type: loglikelihood
doc_to_text: text
doc_to_target: target
target_delimiter: ""
metric_list:
  - metric: perplexity
  - metric: acc
"""

LL_WORDS = ["the", "quick", "brown", "fox", "once", "upon", "a", "time", "to", "be", "or", "not", "rose", "winter",
            "light", "love", "friends", "great", "happy", "call", "me"]
# Candidate prompts, in a fixed order; the first four whose greedy 2-byte continuation is printable ASCII become the
# greedy items (a random model rarely continues with ASCII, so many candidates are tried).
_ctx_rng = np.random.default_rng(11)
LL_CONTEXTS = list(dict.fromkeys(" ".join(LL_WORDS[int(k)] for k in _ctx_rng.integers(0, len(LL_WORDS), 2 + i % 4)) for i in range(2000)))


def greedy_bytes(cfg, W, ids, n):
    out = []
    for _ in range(n):
        z = forward(cfg, W, ids + out)[-1]
        out.append(int(np.argmax(z)))
    return out


def loglikelihood_items(cfg, W):
    docs, items = [], []
    rng = np.random.default_rng(5)
    greedy_left, random_left = 4, 4
    for text in LL_CONTEXTS:
        if greedy_left == 0 and random_left == 0:
            break
        ctx = [BOS] + tok(text)
        g = greedy_bytes(cfg, W, ctx, 2) if greedy_left > 0 else []
        if greedy_left > 0 and all(32 <= b < 127 for b in g):
            target = bytes(g).decode("ascii")
            greedy_left -= 1
        elif random_left > 0:
            target = "".join(chr(int(c)) for c in rng.integers(97, 123, 3))
            random_left -= 1
        else:
            continue
        cont = tok(target)
        ids = ctx + cont
        lp = log_softmax(forward(cfg, W, ids[:-1]))
        n = len(ctx)
        ll = float(sum(lp[n - 1 + i, cont[i]] for i in range(len(cont))))
        is_greedy = all(int(np.argmax(lp[n - 1 + i])) == cont[i] for i in range(len(cont)))
        docs.append({"text": text, "target": target})
        items.append({"loglikelihood": ll, "is_greedy": is_greedy})
    return docs, items


def main():
    model_dir = os.path.join(OUT, "model")
    os.makedirs(model_dir, exist_ok=True)
    cfg = make_config("F32", dict(vocab_size=258, bos_token_id=BOS, eos_token_id=EOS, hidden_size=32,
                                  intermediate_size=64, num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                                  max_position_embeddings=CONTEXT))
    W32, _ = make_weights(cfg, 14)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(model_dir, "model.safetensors"), W32, "F32")
    with open(os.path.join(model_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False, indent=1)
    with open(os.path.join(model_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": True}, f, indent=2)
    for name, docs in (("mc.jsonl", MC_DOCS), ("rolling.jsonl", ROLLING_DOCS)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    for name, text in (("mc.yaml", MC_YAML), ("rolling.yaml", ROLLING_YAML)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(text)

    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    W = read_safetensors(os.path.join(model_dir, "model.safetensors"))

    items, hits = [], {"acc": 0, "acc_norm": 0, "acc_bytes": 0}
    for d in MC_DOCS:
        context = f"Question: {d['question']}\nAnswer:"
        lls = [continuation_logprob(cfg, W, [BOS] + tok(context), tok(" " + c)) for c in d["choices"]]
        picks = {"acc": argmax_first(lls),
                 "acc_norm": argmax_first([ll / len(c) for ll, c in zip(lls, d["choices"])]),
                 "acc_bytes": argmax_first([ll / len(c.encode("utf-8")) for ll, c in zip(lls, d["choices"])])}
        for k, p in picks.items():
            hits[k] += int(p == d["answer"])
        items.append({"loglikelihoods": lls, "predictions": picks})
    n = len(MC_DOCS)
    mc = {"items": items, "metrics": {k: v / n for k, v in hits.items()}}

    chat_items = []
    for d in MC_DOCS:
        prompt = f"<|im_start|>user\nQuestion: {d['question']}\nAnswer:<|im_end|>\n<|im_start|>assistant\n"
        lls = [truncated_logprob(cfg, W, tok(prompt), tok(" " + c)) for c in d["choices"]]
        chat_items.append({"loglikelihoods": lls, "truncated": any(len(tok(prompt)) + len(tok(" " + c)) > CONTEXT + 1 for c in d["choices"])})

    total_ll, total_words, total_bytes, windows_used = 0.0, 0, 0, 0
    for d in ROLLING_DOCS:
        text = d["page"]
        for ctx, pred in rolling_windows(tok(text), BOS, CONTEXT):
            total_ll += continuation_logprob(cfg, W, ctx, pred)
            windows_used += 1
        total_words += len(re.split(r"\s+", text))
        total_bytes += len(text.encode("utf-8"))
    rolling = {"loglikelihood": total_ll, "words": total_words, "bytes": total_bytes, "windows": windows_used,
               "metrics": {"word_perplexity": math.exp(-total_ll / total_words),
                           "byte_perplexity": math.exp(-total_ll / total_bytes),
                           "bits_per_byte": -total_ll / total_bytes / math.log(2)}}

    ll_docs, ll_items = loglikelihood_items(cfg, W)
    with open(os.path.join(OUT, "ll.jsonl"), "w", encoding="utf-8") as f:
        for d in ll_docs:
            f.write(json.dumps(d) + "\n")
    with open(os.path.join(OUT, "ll.yaml"), "w", encoding="utf-8") as f:
        f.write(LL_YAML)
    lls = [it["loglikelihood"] for it in ll_items]
    loglikelihood = {"items": ll_items, "metrics": {"perplexity": math.exp(-sum(lls) / len(lls)),
                                                     "acc": sum(it["is_greedy"] for it in ll_items) / len(ll_items)}}
    golden = {"note": NOTE, "multiple_choice": mc, "multiple_choice_chat": {"items": chat_items}, "rolling": rolling,
              "loglikelihood": loglikelihood}
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    disagree = sum(1 for it in items if len(set(it["predictions"].values())) > 1)
    print(f"mc metrics {mc['metrics']}, items where acc/acc_norm/acc_bytes disagree: {disagree}")
    print(f"rolling: {windows_used} windows, metrics {rolling['metrics']}")
    print(f"loglikelihood: {len(ll_items)} items, {sum(i['is_greedy'] for i in ll_items)} greedy, metrics {loglikelihood['metrics']}")


if __name__ == "__main__":
    main()
