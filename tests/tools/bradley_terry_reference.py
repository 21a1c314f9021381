#!/usr/bin/python3
"""Independent reference for Strata's Bradley-Terry ratings (src/Strata.Evaluation/Ratings): writes the golden files
that tests/Strata.Evaluation.Tests/Ratings/GoldenRatingsTests.cs compares against.

Written from the definition (Chatbot Arena's compute_mle_elo and its style control), not from Strata's C# code. The
objective, for parameters w = (theta_1..theta_M, beta_1..beta_K):

    f(w) = -sum_battles [ s * ln sigmoid(eta) + (1 - s) * ln sigmoid(-eta) ] + lam/2 * ||w||^2
    eta  = theta[model_a] - theta[model_b] + beta . z

s = 1 when model_a won, 0 when model_b won, 1/2 for "tie" and "tie (bothbad)" (half a win each). z (style control
only) holds, per feature (length, headers, list_items, bold_spans), LMSYS's normalized difference (a - b) / (a + b + 1),
each column then standardized over all battles (population standard deviation; a column with sd <= 1e-12 is set to 0).
Ratings: base + scale * (theta - mean(theta)), or base + scale * (theta - theta[anchor]) with an anchor.

f is minimized twice, two ways, and the answers must agree:
  * scipy.optimize.minimize (trust-exact) with f's analytic gradient and Hessian, on the battle-level design matrix;
  * scikit-learn's LogisticRegression (newton-cg, C = 1/lam, no intercept), each battle entered as a "won" row weighted s
    and a "lost" row weighted 1 - s: its objective is C * (sum of weighted log-losses) + ||w||^2 / 2 = f / lam.

Usage (Debian's python: apt-get install -y python3-numpy python3-scipy python3-sklearn):

    /usr/bin/python3 tests/tools/bradley_terry_reference.py IN.json OUT.json   # one case: battles + options in, + expected out
    /usr/bin/python3 tests/tools/bradley_terry_reference.py --cases tests/Strata.Evaluation.Tests/Golden/ratings

IN.json: {"options": {"scale", "base", "anchor", "style_control", "regularization"}, "battles": [{"model_a",
"model_b", "winner": "model_a" | "model_b" | "tie" | "tie (bothbad)", "style_a": {"length", "headers", "list_items",
"bold_spans"}, "style_b": {...}}]}. --cases draws the golden cases below from fixed seeds and writes one file each.
"""

import json
import math
import sys
import warnings

import numpy as np
import scipy
import scipy.optimize
import scipy.special
import sklearn
from sklearn.linear_model import LogisticRegression

FEATURES = ["length", "headers", "list_items", "bold_spans"]
SCORE = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}
ELO_SCALE = 400 / math.log(10)
REGENERATE = "/usr/bin/python3 tests/tools/bradley_terry_reference.py --cases tests/Strata.Evaluation.Tests/Golden/ratings"


def design(case):
    """Battle-level design matrix X (rows: +1 at model_a, -1 at model_b, then z) and scores s."""
    battles = case["battles"]
    style = case["options"].get("style_control", False)
    models = sorted({b["model_a"] for b in battles} | {b["model_b"] for b in battles})
    index = {m: i for i, m in enumerate(models)}
    n, m = len(battles), len(models)
    k = len(FEATURES) if style else 0
    x = np.zeros((n, m + k))
    s = np.array([SCORE[b["winner"]] for b in battles])
    for r, b in enumerate(battles):
        x[r, index[b["model_a"]]] += 1.0
        x[r, index[b["model_b"]]] -= 1.0
    if style:
        a = np.array([[b["style_a"][f] for f in FEATURES] for b in battles], dtype=float)
        bb = np.array([[b["style_b"][f] for f in FEATURES] for b in battles], dtype=float)
        diff = (a - bb) / (a + bb + 1.0)
        mean = diff.mean(axis=0)
        sd = diff.std(axis=0)
        z = np.where(sd > 1e-12, (diff - mean) / np.where(sd > 1e-12, sd, 1.0), 0.0)
        x[:, m:] = z
    return models, x, s


def fit_scipy(x, s, lam):
    def f(w):
        eta = x @ w
        # -ln sigmoid(eta) = logaddexp(0, -eta)
        return float(np.sum(s * np.logaddexp(0, -eta) + (1 - s) * np.logaddexp(0, eta)) + 0.5 * lam * w @ w)

    def grad(w):
        p = scipy.special.expit(x @ w)
        return x.T @ (p - s) + lam * w

    def hess(w):
        p = scipy.special.expit(x @ w)
        return (x.T * (p * (1 - p))) @ x + lam * np.eye(len(w))

    result = scipy.optimize.minimize(f, np.zeros(x.shape[1]), jac=grad, hess=hess, method="trust-exact",
                                     options={"gtol": 1e-11, "maxiter": 10000})
    gnorm = np.max(np.abs(grad(result.x)))
    if gnorm > 1e-8:
        raise RuntimeError(f"scipy did not converge: max |gradient| {gnorm} ({result.message})")
    return result.x


def fit_sklearn(x, s, lam):
    rows = np.vstack([x, x])
    labels = np.concatenate([np.ones(len(s)), np.zeros(len(s))])
    weights = np.concatenate([s, 1 - s])
    keep = weights > 0
    lr = LogisticRegression(penalty="l2", C=1.0 / lam, fit_intercept=False, solver="newton-cg", tol=1e-8,
                            max_iter=10000)
    # A tolerance this tight ends in line searches that rounding stops ("Line Search failed"); the answer is checked
    # against scipy's below, which is what matters, so those warnings are not shown.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr.fit(rows[keep], labels[keep], sample_weight=weights[keep])
    return lr.coef_[0]


def ratings(models, w, options):
    theta = w[:len(models)]
    anchor = options.get("anchor")
    shift = theta[models.index(anchor)] if anchor else theta.mean()
    return options["base"] + options["scale"] * (theta - shift)


def reference(case):
    options = case["options"]
    models, x, s = design(case)
    lam = options["regularization"]
    w = fit_scipy(x, s, lam)
    w_sklearn = fit_sklearn(x, s, lam)
    r = ratings(models, w, options)
    r_sklearn = ratings(models, w_sklearn, options)
    disagreement = float(np.max(np.abs(r - r_sklearn)))
    if disagreement > 0.002:
        raise RuntimeError(f"scipy and scikit-learn disagree by {disagreement} rating points")
    expected = {"ratings": {m: float(v) for m, v in zip(models, r)},
                "scipy_vs_sklearn_max_abs_diff": disagreement}
    if options.get("style_control", False):
        expected["style_coefficients"] = {f: float(v) for f, v in zip(FEATURES, w[len(models):])}
    return expected


def draw_battles(rng, names, true_elo, count, pairs=None, tie_rate=0.0, both_bad_share=0.5, style=False,
                 style_effect=None):
    """Battles between random pairs (or random picks from `pairs`) with Bradley-Terry outcomes from true_elo."""
    battles = []
    for _ in range(count):
        if pairs is None:
            i, j = rng.choice(len(names), size=2, replace=False)
        else:
            i, j = pairs[rng.integers(len(pairs))]
            if rng.random() < 0.5:
                i, j = j, i
        battle = {"model_a": names[i], "model_b": names[j]}
        logit = (true_elo[i] - true_elo[j]) / ELO_SCALE
        if style:
            sa, sb = ({"length": int(rng.lognormal(5.5, 0.6)), "headers": int(rng.poisson(1.0)),
                       "list_items": int(rng.poisson(3.0)), "bold_spans": int(rng.poisson(0.7))} for _ in range(2))
            battle["style_a"], battle["style_b"] = sa, sb
            for f, effect in style_effect.items():
                logit += effect * (sa[f] - sb[f]) / (sa[f] + sb[f] + 1)
        if rng.random() < tie_rate:
            battle["winner"] = "tie (bothbad)" if rng.random() < both_bad_share else "tie"
        else:
            battle["winner"] = "model_a" if rng.random() < scipy.special.expit(logit) else "model_b"
        battles.append(battle)
    return battles


def golden_cases():
    default = {"scale": ELO_SCALE, "base": 1000.0, "anchor": None, "style_control": False, "regularization": 1e-4}
    names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    cases = {}

    rng = np.random.default_rng(1)
    cases["dense4"] = {
        "description": "4 models, every pair met, wins and losses only",
        "options": dict(default),
        "battles": draw_battles(rng, names[:4], [1150, 1060, 1000, 900], 400)}

    rng = np.random.default_rng(2)
    # A chain plus a few extra edges; 'hotel' meets only two opponents and wins every battle.
    pairs = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (0, 3), (2, 5), (1, 6)]
    battles = draw_battles(rng, names[:7], [1100, 1050, 1000, 980, 950, 900, 850], 180, pairs=pairs)
    for opponent in ("alpha", "delta"):
        for k in range(6):
            first = k % 2 == 0
            battles.append({"model_a": "hotel" if first else opponent, "model_b": opponent if first else "hotel",
                            "winner": "model_a" if first else "model_b"})
    cases["sparse8_undefeated"] = {
        "description": "8 models, sparse pairs; hotel won all 12 of its battles (finite only through the L2 term)",
        "options": dict(default),
        "battles": battles}

    rng = np.random.default_rng(3)
    cases["ties_anchor"] = {
        "description": "5 models, 30% ties (half of them both bad), anchored at charlie = 1114, Elo scale, lambda 1e-3",
        "options": dict(default, anchor="charlie", base=1114.0, regularization=1e-3),
        "battles": draw_battles(rng, names[:5], [1080, 1040, 1000, 990, 930], 300, tie_rate=0.3)}

    rng = np.random.default_rng(4)
    cases["style_control"] = {
        "description": "5 models with style covariates; voters favour length and lists",
        "options": dict(default, style_control=True),
        "battles": draw_battles(rng, names[:5], [1100, 1050, 1000, 960, 900], 600, tie_rate=0.15, style=True,
                                style_effect={"length": 1.2, "list_items": 0.5})}
    return cases


def write(case, path):
    """JSON with one battle per line, so that the files stay small and diff well."""
    head = {k: v for k, v in case.items() if k != "battles"}
    text = json.dumps(head, indent=1)[:-2]
    text += ',\n "battles": [\n' + ",\n".join("  " + json.dumps(b) for b in case["battles"]) + "\n ]\n}\n"
    json.loads(text)
    with open(path, "w") as out:
        out.write(text)


def main(argv):
    if len(argv) == 3 and argv[1] == "--cases":
        for name, case in golden_cases().items():
            case["expected"] = reference(case)
            case = {"generated_by": REGENERATE,
                    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
                    **case}
            write(case, f"{argv[2]}/{name}.json")
            print(name, json.dumps(case["expected"]))
    elif len(argv) == 3:
        with open(argv[1]) as f:
            case = json.load(f)
        case["expected"] = reference(case)
        write(case, argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
