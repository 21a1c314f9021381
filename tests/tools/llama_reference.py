#!/usr/bin/python3
"""Independent numpy reference for Llama/Qwen2-style decoders (golden test values for Strata).

Regenerate (deterministic; running it twice gives byte-identical files):

    /usr/bin/python3 tests/tools/llama_reference.py

For every case below it writes tests/Strata.Models.Tests/Golden/models/<case>/ containing an
HF-style config.json, a model.safetensors written by hand (8-byte little-endian header length,
JSON header sorted by name with dtype/shape/data_offsets, padded with spaces to a multiple of 8,
then raw little-endian data) and golden.json:

    {"input_ids": [24 ids, first = bos],
     "token_logprobs": [log p(input_ids[t] | input_ids[:t]) for t = 1..23],
     "last_logits": [vocab_size logits at the last input position],
     "greedy": [16 ids from greedy argmax decoding continuing the input (no EOS stop,
                first index wins ties, each step a full causal forward)],
     "note": "..."}

The golden values are computed by reading the files back from disk; weights are the exact stored
values (F32, or BF16/F16 decoded exactly) and ALL arithmetic is float64.

Semantics (transformers' LlamaForCausalLM / Qwen2ForCausalLM):
  x = embed_tokens[ids]
  per layer:  h = x + o_proj(attn(rms(x; input_layernorm)))
              x = h + down_proj(silu(gate_proj(n)) * up_proj(n)),  n = rms(h; post_attention_layernorm)
  logits = lm_head(rms(x; norm))           (lm_head = embed_tokens when tie_word_embeddings)
  rms(x; w) = w * x / sqrt(mean(x^2) + rms_norm_eps)
  Linear weights are [out, in] (y = x @ W.T + b); q/k/v carry a bias iff attention_bias (Qwen2);
  o_proj never has one. head_dim comes from config "head_dim" and may differ from
  hidden/heads (q_proj out = heads*head_dim, o_proj in = heads*head_dim).
  GQA (repeat_kv): query head h uses kv head h // (heads / kv_heads).
  Scores = q.k / sqrt(head_dim) (+ ALiBi bias), causal mask (key j <= query i), softmax.
  RoPE (non-interleaved "rotate_half"): inv_freq[i] = theta^(-2i/head_dim), i < head_dim/2;
    angle = pos * inv_freq (positions 0..n-1); cos/sin duplicated to head_dim;
    x' = x*cos + rotate_half(x)*sin, rotate_half(x) = concat(-x[D/2:], x[:D/2]). Applied to q and k.
    rope_scaling linear: inv_freq /= factor.
    rope_scaling llama3 (HF _compute_llama3_parameters): wavelen = 2*pi/inv_freq;
      low_wl = orig/low_freq_factor, high_wl = orig/high_freq_factor;
      wavelen > low_wl -> inv_freq/factor; wavelen < high_wl -> unchanged;
      otherwise s = (orig/wavelen - low)/(high - low), inv = (1-s)*inv/factor + s*inv.
    Attention scaling factor of both rope types is 1.0.
  ALiBi ("strata_position_encoding": "alibi", Strata extension): no RoPE; score[h,i,j] +=
    m_h * (j - i) (i.e. -m_h * distance, j <= i); slopes from get_slopes() of
    ofirpress/attention_with_linear_biases. Valid beyond max_position_embeddings.
"""
import json
import math
import os

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "Strata.Models.Tests", "Golden", "models")
NOTE = "produced by tests/tools/llama_reference.py (numpy), independent of Strata"
N_INPUT, N_GREEDY = 24, 16

from reference_safetensors import bf16_bits_to_f32, f32_to_bf16_bits, read_safetensors, write_safetensors  # noqa: E402  (shared by both reference scripts)

# ----------------------------------------------------------------------------- model math (float64)

def rope_inv_freq(cfg):
    d = cfg["head_dim"]
    inv = 1.0 / (cfg["rope_theta"] ** (np.arange(0, d, 2, dtype=np.float64) / d))
    rs = cfg.get("rope_scaling")
    if rs is None:
        return inv
    if rs["rope_type"] == "linear":
        return inv / rs["factor"]
    if rs["rope_type"] == "llama3":
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        orig = rs["original_max_position_embeddings"]
        low_wl, high_wl = orig / low, orig / high
        wl = 2 * math.pi / inv
        out = np.where(wl > low_wl, inv / factor, inv)
        s = (orig / wl - low) / (high - low)
        smoothed = (1 - s) * out / factor + s * out
        medium = ~(wl < high_wl) & ~(wl > low_wl)
        return np.where(medium, smoothed, out)
    raise ValueError(rs["rope_type"])


def alibi_slopes(n):
    """get_slopes() from ofirpress/attention_with_linear_biases."""
    def pow2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    if math.log2(n).is_integer():
        return pow2(n)
    c = 2 ** math.floor(math.log2(n))
    return pow2(c) + alibi_slopes(2 * c)[0::2][:n - c]


def rms_norm(x, w, eps):
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def forward(cfg, W, ids, pos_offset=0):
    """Full causal forward; returns logits [n, vocab] (float64)."""
    n = len(ids)
    H, KV, D = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    alibi = cfg.get("strata_position_encoding", "rope") == "alibi"
    pos = np.arange(n, dtype=np.float64) + pos_offset
    if alibi:
        m = np.array(alibi_slopes(H))
        bias = m[:, None, None] * (pos[None, None, :] - pos[None, :, None])  # m_h * (j - i)
    else:
        ang = pos[:, None] * rope_inv_freq(cfg)[None, :]
        cos = np.cos(np.concatenate([ang, ang], -1))[None]  # [1, n, D]
        sin = np.sin(np.concatenate([ang, ang], -1))[None]
    causal = np.tril(np.ones((n, n), dtype=bool))
    x = W["model.embed_tokens.weight"][np.asarray(ids)]
    for L in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{L}."
        a = rms_norm(x, W[p + "input_layernorm.weight"], eps)

        def proj(name, heads):
            y = a @ W[p + f"self_attn.{name}_proj.weight"].T
            if cfg.get("attention_bias"):
                y = y + W[p + f"self_attn.{name}_proj.bias"]
            return y.reshape(n, heads, D).transpose(1, 0, 2)  # [heads, n, D]

        q, k, v = proj("q", H), proj("k", KV), proj("v", KV)
        if not alibi:
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, H // KV, axis=0)  # repeat_kv: kv head g serves query heads g*rep..g*rep+rep-1
        v = np.repeat(v, H // KV, axis=0)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(D)
        if alibi:
            s = s + bias
        s = np.where(causal[None], s, -np.inf)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        o = (s @ v).transpose(1, 0, 2).reshape(n, H * D)
        h = x + o @ W[p + "self_attn.o_proj.weight"].T
        b = rms_norm(h, W[p + "post_attention_layernorm.weight"], eps)
        g = b @ W[p + "mlp.gate_proj.weight"].T
        u = b @ W[p + "mlp.up_proj.weight"].T
        x = h + ((g / (1 + np.exp(-g))) * u) @ W[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight" if cfg["tie_word_embeddings"] else "lm_head.weight"]
    return x @ head.T


def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def token_logprobs(cfg, W, ids):
    lp = log_softmax(forward(cfg, W, ids))
    return [float(lp[t - 1, ids[t]]) for t in range(1, len(ids))]


def greedy(cfg, W, ids, steps):
    ids, out, margins = list(ids), [], []
    for _ in range(steps):
        z = forward(cfg, W, ids)[-1]
        t = int(np.argmax(z))
        top2 = np.sort(z)[-2:]
        margins.append(float(top2[1] - top2[0]))
        ids.append(t)
        out.append(t)
    return out, min(margins)

# ----------------------------------------------------------------------------- cases

BASE = dict(vocab_size=128, num_hidden_layers=2, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2,
            hidden_act="silu", rope_theta=10000.0, rope_scaling=None, max_position_embeddings=64,
            attention_bias=False, tie_word_embeddings=False, strata_position_encoding="rope",
            architectures=["LlamaForCausalLM"], model_type="llama")

CASES = {
    "llama-gqa-untied": (1, "F32", dict(hidden_size=64, intermediate_size=128, num_attention_heads=4,
                                        num_key_value_heads=2, head_dim=16)),
    "qwen2-bias-tied": (2, "F32", dict(architectures=["Qwen2ForCausalLM"], model_type="qwen2",
                                       hidden_size=32, intermediate_size=96, num_attention_heads=4,
                                       num_key_value_heads=1, head_dim=8, attention_bias=True,
                                       tie_word_embeddings=True, rope_theta=1000000.0,
                                       use_sliding_window=False, rms_norm_eps=1e-6)),
    "llama3-scaling": (3, "F32", dict(hidden_size=48, intermediate_size=96, num_attention_heads=4,
                                      num_key_value_heads=2, head_dim=16, rope_theta=500000.0,
                                      max_position_embeddings=512,
                                      rope_scaling={"rope_type": "llama3", "factor": 8.0,
                                                    "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                    "original_max_position_embeddings": 64})),
    "linear-scaling-bf16": (4, "BF16", dict(hidden_size=64, intermediate_size=128, num_attention_heads=4,
                                            num_key_value_heads=2, head_dim=16,
                                            rope_scaling={"rope_type": "linear", "factor": 2.0})),
    "alibi": (5, "F16", dict(hidden_size=48, intermediate_size=96, num_attention_heads=6,
                             num_key_value_heads=3, head_dim=8, max_position_embeddings=16,
                             strata_position_encoding="alibi")),
}
TORCH_DTYPE = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}


def make_config(dtype, over):
    cfg = dict(BASE)
    cfg.update(over)
    cfg["torch_dtype"] = TORCH_DTYPE[dtype]
    return dict(sorted(cfg.items()))


def make_weights(cfg, seed):
    rng = np.random.default_rng(seed)
    V, E, I = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    H, KV, D = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    f = lambda *shape, s=0.2: (rng.standard_normal(shape) * s).astype(np.float32)
    nw = lambda n: (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)
    W = {"model.embed_tokens.weight": f(V, E, s=0.5)}
    for L in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{L}."
        W[p + "input_layernorm.weight"] = nw(E)
        W[p + "self_attn.q_proj.weight"] = f(H * D, E)
        W[p + "self_attn.k_proj.weight"] = f(KV * D, E)
        W[p + "self_attn.v_proj.weight"] = f(KV * D, E)
        W[p + "self_attn.o_proj.weight"] = f(E, H * D)
        if cfg["attention_bias"]:
            W[p + "self_attn.q_proj.bias"] = f(H * D, s=0.3)
            W[p + "self_attn.k_proj.bias"] = f(KV * D, s=0.3)
            W[p + "self_attn.v_proj.bias"] = f(KV * D, s=0.3)
        W[p + "post_attention_layernorm.weight"] = nw(E)
        W[p + "mlp.gate_proj.weight"] = f(I, E)
        W[p + "mlp.up_proj.weight"] = f(I, E)
        W[p + "mlp.down_proj.weight"] = f(E, I, s=0.15)
    W["model.norm.weight"] = nw(E)
    if not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = f(V, E, s=0.3)
    ids = [cfg["bos_token_id"]] + [int(t) for t in rng.integers(3, V, N_INPUT - 1)]
    return W, ids


def fmt(x):
    return json.dumps(x)


def write_case(name, seed, dtype, over):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    cfg = make_config(dtype, over)
    W32, ids = make_weights(cfg, seed)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(d, "model.safetensors"), W32, dtype)
    # everything below works from the files on disk
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    W = read_safetensors(os.path.join(d, "model.safetensors"))
    logits = forward(cfg, W, ids)
    gen, margin = greedy(cfg, W, ids, N_GREEDY)
    golden = {"input_ids": ids, "token_logprobs": token_logprobs(cfg, W, ids),
              "last_logits": [float(v) for v in logits[-1]], "greedy": gen, "note": NOTE}
    with open(os.path.join(d, "golden.json"), "w") as f:
        f.write("{\n" + ",\n".join(f'  "{k}": {fmt(v)}' for k, v in golden.items()) + "\n}\n")
    size = os.path.getsize(os.path.join(d, "model.safetensors"))
    print(f"{name}: {size} bytes, logits std {logits[-1].std():.3f}, "
          f"greedy min top1-top2 margin {margin:.4f}, greedy {gen}")
    return cfg, W, ids, W32

# ----------------------------------------------------------------------------- self-checks

def self_checks(built):
    # safetensors round trip (exact decode, BF16 RNE, F16)
    for name, (cfg, W, ids, W32) in built.items():
        for k, a in W32.items():
            if cfg["torch_dtype"] == "float32":
                exp = a.astype(np.float64)
            elif cfg["torch_dtype"] == "float16":
                exp = a.astype(np.float16).astype(np.float64)
            else:
                exp = bf16_bits_to_f32(f32_to_bf16_bits(a)).astype(np.float64)
            assert np.array_equal(W[k], exp), (name, k)
    b = np.array([1.0, 1.00390625, 1.01171875, 1.0 + 2 ** -9, 1.0 + 3 * 2 ** -9, -2.5], np.float32)
    assert list(bf16_bits_to_f32(f32_to_bf16_bits(b))) == [1.0, 1.0, 1.015625, 1.0, 1.0078125, -2.5]

    for name, (cfg, W, ids, _) in built.items():
        # causality: changing token 20 leaves positions < 20 untouched
        ids2 = list(ids)
        ids2[20] = (ids2[20] + 7) % cfg["vocab_size"]
        a, c = forward(cfg, W, ids), forward(cfg, W, ids2)
        assert np.allclose(a[:20], c[:20], rtol=0, atol=1e-12) and not np.allclose(a[20:], c[20:]), name
        # relative positions only: shifting all positions leaves logits unchanged (RoPE and ALiBi)
        assert np.allclose(forward(cfg, W, ids, pos_offset=7), a, atol=1e-9), name

    # GQA == MHA with k/v heads duplicated per group (repeat_kv grouping)
    cfg, W, ids, _ = built["llama-gqa-untied"]
    H, KV, D = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    mha, Wm = dict(cfg, num_key_value_heads=H), dict(W)
    for L in range(cfg["num_hidden_layers"]):
        for t in "kv":
            k = f"model.layers.{L}.self_attn.{t}_proj.weight"
            Wm[k] = np.repeat(W[k].reshape(KV, D, -1), H // KV, axis=0).reshape(H * D, -1)
    assert np.allclose(forward(mha, Wm, ids), forward(cfg, W, ids), atol=1e-12)

    # llama3 inv_freq vs a scalar transcription of HF _compute_llama3_parameters
    cfg = built["llama3-scaling"][0]
    rs, D = cfg["rope_scaling"], cfg["head_dim"]
    got, regimes = rope_inv_freq(cfg), []
    for i, f in enumerate(1.0 / cfg["rope_theta"] ** (np.arange(0, D, 2) / D)):
        wl = 2 * math.pi / f
        if wl < rs["original_max_position_embeddings"] / rs["high_freq_factor"]:
            e, r = f, "high"
        elif wl > rs["original_max_position_embeddings"] / rs["low_freq_factor"]:
            e, r = f / rs["factor"], "low"
        else:
            sm = (rs["original_max_position_embeddings"] / wl - rs["low_freq_factor"]) / (
                rs["high_freq_factor"] - rs["low_freq_factor"])
            e, r = (1 - sm) * f / rs["factor"] + sm * f, "medium"
        assert math.isclose(got[i], e, rel_tol=1e-14), (i, got[i], e)
        regimes.append(r)
    assert {"high", "medium", "low"} <= set(regimes), regimes
    print("llama3 inv_freq regimes:", regimes)

    # ALiBi slopes
    assert alibi_slopes(8) == [2.0 ** -k for k in range(1, 9)]
    assert alibi_slopes(6) == [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]
    print("alibi slopes (6 heads):", alibi_slopes(6))
    print("self-checks passed")


def main():
    built = {name: write_case(name, *spec) for name, spec in CASES.items()}
    self_checks(built)


if __name__ == "__main__":
    main()
