#!/usr/bin/python3
"""Independent numpy/scipy reference for token-level distillation losses (golden values for Strata's DistillationLoss).

Regenerate (deterministic):

    /usr/bin/python3 tests/tools/kd_reference.py

Writes tests/Strata.Models.Tests/Golden/distillation/kd_losses.json. Definitions (Hinton et al. 2015; MiniLLM for the
reverse direction), over the N trained positions (targets != -100) of a (B, T, V) batch:

  p_T = softmax(teacher / tau), p_S = softmax(student / tau)
  forward  = tau^2 * mean_n sum_v p_T (log p_T - log p_S)
  reverse  = tau^2 * mean_n sum_v p_S (log p_S - log p_T)
  top-k    = tau^2 * mean_n sum_{v in K_n} q (log q - log p_S),  K_n the teacher's k most likely tokens at n,
             q = softmax over K_n of (log softmax(teacher) / tau)   (the teacher renormalised over its k tokens)
  hard     = mean_n -log softmax(student)[target]                  (tau = 1)
  objective = alpha * soft + (1 - alpha) * hard
"""
import json
import os

import numpy as np
from scipy.special import log_softmax

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Strata.Models.Tests", "Golden", "distillation", "kd_losses.json")

rng = np.random.default_rng(20261206)
B, T, V, K = 2, 4, 9, 3
tau, alpha = 2.0, 0.3
student = rng.normal(0, 2, (B, T, V))
teacher = rng.normal(0, 2, (B, T, V))
targets = rng.integers(0, V, (B, T))
targets[0, 0] = -100
targets[1, 2] = -100
targets[1, 3] = -100

mask = targets.reshape(-1) != -100
s = student.reshape(-1, V)[mask]
t = teacher.reshape(-1, V)[mask]
y = targets.reshape(-1)[mask]

ls_s, ls_t = log_softmax(s / tau, axis=-1), log_softmax(t / tau, axis=-1)
forward = tau ** 2 * np.mean(np.sum(np.exp(ls_t) * (ls_t - ls_s), axis=-1))
reverse = tau ** 2 * np.mean(np.sum(np.exp(ls_s) * (ls_s - ls_t), axis=-1))

teacher_logprobs = log_softmax(t, axis=-1)
top_ids = np.argsort(-teacher_logprobs, axis=-1, kind="stable")[:, :K]
top_logprobs = np.take_along_axis(teacher_logprobs, top_ids, axis=-1)
q = log_softmax(top_logprobs / tau, axis=-1)
top_k = tau ** 2 * np.mean(np.sum(np.exp(q) * (q - np.take_along_axis(ls_s, top_ids, axis=-1)), axis=-1))

hard = np.mean(-np.take_along_axis(log_softmax(s, axis=-1), y[:, None], axis=-1))

golden = {
    "shape": [B, T, V], "temperature": tau, "alpha": alpha, "top_k": K,
    "student": student.reshape(-1).tolist(), "teacher": teacher.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
    "teacher_top_ids": top_ids.reshape(-1).tolist(), "teacher_top_logprobs": top_logprobs.reshape(-1).tolist(),
    "forward": forward, "reverse": reverse, "top_k_forward": top_k, "hard": hard,
    "objective_forward": alpha * forward + (1 - alpha) * hard,
    "objective_reverse": alpha * reverse + (1 - alpha) * hard,
    "objective_top_k": alpha * top_k + (1 - alpha) * hard,
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(golden, f, indent=1)
print(f"wrote {OUT}: forward {forward:.6f} reverse {reverse:.6f} top-{K} {top_k:.6f} hard {hard:.6f}")
