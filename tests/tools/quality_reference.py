#!/usr/bin/python3
"""Independent numpy reference for Strata's teacher-taught quality classifier (Strata.Data/Quality).

Regenerate (deterministic):

    /usr/bin/python3 tests/tools/quality_reference.py

Writes tests/Strata.Models.Tests/Golden/quality/ridge.json. Definitions, written here from the documented rules:
  words     lowercase; ASCII characters other than letters, digits, space and DEL deleted; split on whitespace
  features  each word and each adjacent pair "w1 w2", FNV-1a 64 over its UTF-8 bytes, modulo the dimension;
            value 1 + ln(count) per bucket, the vector scaled to unit length
  ridge     minimise sum (w.x + b - y)^2 + l2 * |w|^2, b unpenalised: solved exactly with numpy
  agreement pearson, mean absolute error, and keep/drop at the threshold: accuracy, precision, recall, F1
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Strata.Models.Tests", "Golden", "quality", "ridge.json")
DIM, L2, THRESHOLD = 64, 0.5, 3.0


def words(text):
    kept = "".join(c.lower() if (c.isalnum() or c.isspace()) else "" for c in text)
    return kept.split()


def fnv1a(feature):
    h = 14695981039346656037
    for b in feature.encode("utf-8"):
        h ^= b
        h = (h * 1099511628211) % (1 << 64)
    return h


def features(text):
    w = words(text)
    grams = w + [w[i] + " " + w[i + 1] for i in range(len(w) - 1)]
    counts = {}
    for g in grams:
        k = fnv1a(g) % DIM
        counts[k] = counts.get(k, 0) + 1
    v = np.zeros(DIM)
    for k, c in counts.items():
        v[k] = 1 + math.log(c)
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


rng = np.random.default_rng(7)
good = ["the", "function", "returns", "a", "list", "of", "values", "sorted", "by", "key", "python", "module", "example", "argument"]
bad = ["click", "here", "buy", "now", "free", "offer", "win", "cheap", "deal", "!!!", "subscribe", "login"]
texts, scores = [], []
for i in range(40):
    quality = rng.integers(0, 6)
    n = int(rng.integers(6, 20))
    pool = [good[j] for j in rng.integers(0, len(good), n * quality // 5 + 1)] + [bad[j] for j in rng.integers(0, len(bad), n * (5 - quality) // 5 + 1)]
    rng.shuffle(pool)
    texts.append(("Intro: " if i % 3 == 0 else "") + " ".join(pool) + ("." if i % 2 else "!"))
    scores.append(float(quality))
train, held = slice(0, 32), slice(32, 40)
X = np.array([features(t) for t in texts[train]])
y = np.array(scores[train])
A = np.hstack([X, np.ones((X.shape[0], 1))])
penalty = np.diag([L2] * DIM + [0.0])
w = np.linalg.solve(A.T @ A + penalty, A.T @ y)
pred = np.array([features(t) @ w[:DIM] + w[DIM] for t in texts[held]])
rated = np.array(scores[held])
keep, teacher_keeps = pred >= THRESHOLD, rated >= THRESHOLD
tp = int(np.sum(keep & teacher_keeps)); fp = int(np.sum(keep & ~teacher_keeps)); fn = int(np.sum(~keep & teacher_keeps))
precision = tp / (tp + fp) if tp + fp else 0.0
recall = tp / (tp + fn) if tp + fn else 0.0
golden = {
    "dimension": DIM, "l2": L2, "threshold": THRESHOLD,
    "texts": texts, "scores": scores, "train": 32,
    "features_of_first": {str(k): float(v) for k, v in enumerate(features(texts[0])) if v != 0},
    "weights": w[:DIM].tolist(), "bias": float(w[DIM]),
    "held_out_predictions": pred.tolist(),
    "agreement": {
        "pearson": float(np.corrcoef(pred, rated)[0, 1]),
        "mean_absolute_error": float(np.mean(np.abs(pred - rated))),
        "accuracy": float(np.mean(keep == teacher_keeps)),
        "precision": precision, "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    },
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(golden, f, indent=1)
print(f"wrote {OUT}: held-out pearson {golden['agreement']['pearson']:.3f}, accuracy {golden['agreement']['accuracy']:.3f}")
