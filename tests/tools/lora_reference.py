#!/usr/bin/python3
"""Independent numpy reference for LoRA adapters in Hugging Face PEFT's format (golden test values for Strata).

Regenerate (deterministic):

    /usr/bin/python3 tests/tools/lora_reference.py

For each case it writes tests/Strata.Models.Tests/Golden/adapters/<case>/ holding a PEFT adapter directory as
PEFT's `save_pretrained` lays it out, written here by hand from PEFT's format definition:

  adapter_config.json        peft_type "LORA", task_type "CAUSAL_LM", r, lora_alpha, target_modules, lora_dropout,
                             bias "none", use_rslora, base_model_name_or_path
  adapter_model.safetensors  base_model.model.model.layers.{i}.{self_attn|mlp}.{target}.lora_A.weight  [r, in]
                             base_model.model.model.layers.{i}.{self_attn|mlp}.{target}.lora_B.weight  [out, r]

With "embed_tokens" among the targets (PEFT's LoRA on an embedding, with `ensure_weight_tying: true`):

  adapter_model.safetensors  base_model.model.model.embed_tokens.lora_embedding_A  [r, vocab]
                             base_model.model.model.embed_tokens.lora_embedding_B  [hidden, r]

and the embedding becomes E' = E + scale * (B @ A).T; the model's LM head is tied to it, so it reads E' too.

and golden.json with the base case's input ids and the adapted model's token log-probabilities:
W' = W + scale * B @ A for every adapted projection, scale = lora_alpha / r (lora_alpha / sqrt(r) with
use_rslora), then llama_reference.py's float64 forward pass. B is random here (PEFT initialises it to zero), so
the adapter changes the output.
"""
import json
import math
import os

import numpy as np

from llama_reference import OUT as MODELS, token_logprobs  # noqa: E402
from reference_safetensors import read_safetensors, write_safetensors  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "Strata.Models.Tests", "Golden", "adapters")
NOTE = "produced by tests/tools/lora_reference.py (numpy), independent of Strata"
ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

# case: (base model case, seed, r, lora_alpha, target_modules, use_rslora)
CASES = {
    "llama-gqa-untied-all-r4": ("llama-gqa-untied", 11, 4, 8.0, ALL, False),
    "qwen2-bias-tied-qv-rslora": ("qwen2-bias-tied", 12, 4, 8.0, ["q_proj", "v_proj"], True),
    "qwen2-bias-tied-embed-qv": ("qwen2-bias-tied", 13, 4, 8.0, ["q_proj", "v_proj", "embed_tokens"], False),
}


def block(target):
    return "mlp" if target in ("gate_proj", "up_proj", "down_proj") else "self_attn"


def write_case(name, base, seed, r, alpha, targets, rslora):
    rng = np.random.default_rng(seed)
    base_dir = os.path.join(MODELS, base)
    with open(os.path.join(base_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(base_dir, "golden.json")) as f:
        ids = json.load(f)["input_ids"]
    W = read_safetensors(os.path.join(base_dir, "model.safetensors"))
    tensors = {}
    layer_targets = [t for t in targets if t != "embed_tokens"]
    for L in range(cfg["num_hidden_layers"]):
        for t in layer_targets:
            out_features, in_features = W[f"model.layers.{L}.{block(t)}.{t}.weight"].shape
            key = f"base_model.model.model.layers.{L}.{block(t)}.{t}"
            tensors[key + ".lora_A.weight"] = (rng.standard_normal((r, in_features)) * 0.3).astype(np.float32)
            tensors[key + ".lora_B.weight"] = (rng.standard_normal((out_features, r)) * 0.05).astype(np.float32)
    if "embed_tokens" in targets:
        assert cfg["tie_word_embeddings"], "the embedding case checks a tied head"
        vocab, hidden = W["model.embed_tokens.weight"].shape
        key = "base_model.model.model.embed_tokens"
        tensors[key + ".lora_embedding_A"] = (rng.standard_normal((r, vocab)) * 0.02).astype(np.float32)
        tensors[key + ".lora_embedding_B"] = rng.standard_normal((hidden, r)).astype(np.float32)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    config = {"alpha_pattern": {}, "base_model_name_or_path": base, "bias": "none", "fan_in_fan_out": False,
              "inference_mode": True, "init_lora_weights": True, "lora_alpha": alpha, "lora_dropout": 0.05,
              "modules_to_save": None, "peft_type": "LORA", "r": r, "rank_pattern": {}, "target_modules": targets,
              "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": rslora}
    if "embed_tokens" in targets:
        config["ensure_weight_tying"] = True
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(d, "adapter_model.safetensors"), tensors, "F32")
    # from the files on disk
    A = read_safetensors(os.path.join(d, "adapter_model.safetensors"))
    scale = alpha / math.sqrt(r) if rslora else alpha / r
    adapted = dict(W)
    for L in range(cfg["num_hidden_layers"]):
        for t in layer_targets:
            key = f"base_model.model.model.layers.{L}.{block(t)}.{t}"
            name_w = f"model.layers.{L}.{block(t)}.{t}.weight"
            adapted[name_w] = W[name_w] + scale * (A[key + ".lora_B.weight"] @ A[key + ".lora_A.weight"])
    if "embed_tokens" in targets:
        key = "base_model.model.model.embed_tokens"
        adapted["model.embed_tokens.weight"] = W["model.embed_tokens.weight"] + scale * (A[key + ".lora_embedding_B"] @ A[key + ".lora_embedding_A"]).T
    base_lp = token_logprobs(cfg, W, ids)
    lp = token_logprobs(cfg, adapted, ids)
    shift = max(abs(a - b) for a, b in zip(lp, base_lp))
    assert shift > 0.01, f"{name}: the adapter barely changes the output ({shift})"
    golden = {"base": base, "input_ids": ids, "token_logprobs": lp, "note": NOTE}
    with open(os.path.join(d, "golden.json"), "w") as f:
        f.write("{\n" + ",\n".join(f'  "{k}": {json.dumps(v)}' for k, v in golden.items()) + "\n}\n")
    print(f"{name}: {len(tensors)} tensors, scale {scale}, largest log-prob shift from the base {shift:.4f}")


def main():
    for name, spec in CASES.items():
        write_case(name, *spec)


if __name__ == "__main__":
    main()
