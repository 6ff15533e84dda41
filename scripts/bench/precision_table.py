#!/usr/bin/env python3
"""Table of fp32 vs bf16 training runs written by scripts/bench/precision_accuracy.sh.

    python3 scripts/bench/precision_table.py OUT_DIR

Reads OUT_DIR/<case>-<fp32|bf16>-<seed>/{metrics.json,history.csv,predictions.csv} and prints,
per case and seed, the test ROC AUC (95% CI) and accuracy of both precisions, their difference
with a paired bootstrap interval over the test patches (binary tasks) and the median epoch time; then, per case, the mean paired AUC difference over the seeds next to the spread of fp32
itself from seed to seed, and the mean over every pair with a bootstrap interval. Standard
library only.
"""
import csv
import json
import random
import re
import statistics
import sys
from pathlib import Path

RUN = re.compile(r"^(?P<case>.+)-(?P<p>fp32|bf16)-(?P<seed>\d+)$")


def test_predictions(run: Path):
    """{index: (label, probability)} of the test rows of a binary run; None otherwise."""
    with open(run / "predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "probability" not in rows[0]:
        return None
    return {int(r["index"]): (int(r["label"]), float(r["probability"])) for r in rows if r["set"] == "test"}


def auc(labels, scores):
    """ROC AUC by the rank-sum (Mann-Whitney) statistic, ties counted half."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    return (sum(r for r, l in zip(ranks, labels) if l) - pos * (pos + 1) / 2) / (pos * neg)


def paired_draws(a, b, reps=2000, seed=0):
    """AUC(b) - AUC(a) over the same test patches resampled with replacement, `reps` times (a
    paired bootstrap: one resample serves both runs), in the order drawn; None unless both runs
    scored the same patches."""
    if a is None or b is None or a.keys() != b.keys():
        return None
    idx = sorted(a)
    labels = [a[i][0] for i in idx]
    sa, sb = [a[i][1] for i in idx], [b[i][1] for i in idx]
    rng = random.Random(seed)
    n, diffs = len(idx), []
    for _ in range(reps):
        pick = [rng.randrange(n) for _ in range(n)]
        lab = [labels[k] for k in pick]
        d = auc(lab, [sb[k] for k in pick]) - auc(lab, [sa[k] for k in pick])
        if d == d:
            diffs.append(d)
    return diffs


def percentile_interval(draws):
    """The 2.5th and 97.5th percentiles of bootstrap draws."""
    s = sorted(draws)
    return s[int(0.025 * len(s))], s[int(0.975 * len(s)) - 1]


def paired_diff_ci(a, b, reps=2000, seed=0):
    """95% percentile interval of AUC(b) - AUC(a) by the paired bootstrap ([`paired_draws`])."""
    diffs = paired_draws(a, b, reps, seed)
    return percentile_interval(diffs) if diffs else None


def load(run: Path):
    m = json.loads((run / "metrics.json").read_text())
    with open(run / "history.csv", newline="") as f:
        secs = [float(r["seconds"]) for r in csv.DictReader(f)]
    t = m["test"]
    return {
        "auc": t["roc_auc"],
        "ci": t.get("ci", {}).get("roc_auc"),
        "acc": t["accuracy"],
        "val_auc": m["validation"]["roc_auc"],
        "epoch_s": statistics.median(secs) if secs else float("nan"),
        "test": test_predictions(run),
    }


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    runs = {}
    for d in sorted(out.iterdir()) if out.is_dir() else []:
        mt = RUN.match(d.name)
        if mt and (d / "metrics.json").exists():
            runs[(mt["case"], int(mt["seed"]), mt["p"])] = load(d)
    if not runs:
        print(f"precision_table: no finished runs under {out}", file=sys.stderr)
        return 1
    cases = sorted({c for c, _, _ in runs}, key=lambda c: min(k for k in runs if k[0] == c))
    print("| task | seed | fp32 test AUC (95% CI) | bf16 test AUC (95% CI) | bf16 - fp32 | "
          "paired 95% CI | test acc fp32 / bf16 | epoch s fp32 / bf16 |")
    print("|---|---|---|---|---|---|---|---|")
    summary = []
    for case in cases:
        diffs, speed = [], []
        for seed in sorted({s for c, s, _ in runs if c == case}):
            a, b = runs.get((case, seed, "fp32")), runs.get((case, seed, "bf16"))
            if a is None or b is None:
                continue

            def shown(r):
                ci = r["ci"]
                return f"{r['auc']:.4f} ({ci[0]:.4f}-{ci[1]:.4f})" if ci else f"{r['auc']:.4f}"

            d = b["auc"] - a["auc"]
            diffs.append(d)
            speed.append(a["epoch_s"] / b["epoch_s"])
            pci = paired_diff_ci(a["test"], b["test"])
            pci = f"[{pci[0]:+.4f}, {pci[1]:+.4f}]" if pci else "-"
            print(f"| {case} | {seed} | {shown(a)} | {shown(b)} | {d:+.4f} | {pci} | "
                  f"{a['acc']:.3f} / {b['acc']:.3f} | {a['epoch_s']:.1f} / {b['epoch_s']:.1f} |")
        if diffs:
            summary.append((case, diffs, speed))
    print()
    print("| task | seeds | mean bf16 - fp32 test AUC | range | fp32 seed-to-seed sd | "
          "bf16 speed-up (epoch time) |")
    print("|---|---|---|---|---|---|")
    for case, diffs, speed in summary:
        fp32 = [r["auc"] for (c, _, p), r in runs.items() if c == case and p == "fp32"]
        sd = f"{statistics.stdev(fp32):.4f}" if len(fp32) > 1 else "-"
        print(f"| {case} | {len(diffs)} | {statistics.mean(diffs):+.4f} | "
              f"{min(diffs):+.4f} to {max(diffs):+.4f} | {sd} | {statistics.median(speed):.2f}x |")
    every = [d for _, diffs, _ in summary for d in diffs]
    lo, hi = bootstrap_mean_ci(every)
    print(f"\nall {len(every)} pairs: mean bf16 - fp32 test AUC {statistics.mean(every):+.4f}, "
          f"95% CI [{lo:+.4f}, {hi:+.4f}] (bootstrap over pairs, 10000 resamples, seed 0); "
          f"bf16 lower in {sum(d < 0 for d in every)} of {len(every)}")
    return 0


def bootstrap_mean_ci(values, reps=10000, seed=0):
    """Percentile interval of the mean, resampling the values with replacement."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choice(values) for _ in range(n)) / n for _ in range(reps))
    return means[int(0.025 * reps)], means[int(0.975 * reps) - 1]


if __name__ == "__main__":
    sys.exit(main())
