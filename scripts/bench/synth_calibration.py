#!/usr/bin/env python3
"""Helpers of scripts/bench/synth_calibration.sh (standard library only: GPU hosts may lack numpy).

  baseline-copy SRC DST   the dataset in SRC with every abnormality row (odd index) replaced by
                          its pair's baseline patch (even index); labels unchanged
  summary OUT             test ROC AUC per case and seed, mean and range, against the targets
                          of docs/SYNTHETIC.md (as a Markdown table), and per seed the Siamese
                          network minus the single image on the same test pairs with a paired
                          bootstrap interval
  compare A B             how two generated sets of the same seed differ (a generator change is
                          judged by it): identical labels, identical baseline patches, and the
                          share of identical abnormality patches per label
"""
import json
import os
import sys

import shutil
import statistics
from pathlib import Path

from precision_table import auc, paired_draws, percentile_interval, test_predictions

FILES = [("train_tensor.npy", "train_labels.npy"), ("public_test_tensor.npy", "public_test_labels.npy")]

# case -> (label, low, high): the ranges the real course data and peers reach (COURSE_DATA.md).
TARGETS = {
    "mass-calc": ("scratch CNN, mass vs calcification (SCRATCH_6)", 0.87, 0.95),
    "benign-malignant": ("scratch CNN, benign vs malignant (SCRATCH_BM_V6)", 0.65, 0.78),
    "siamese": ("Siamese, mass vs calcification (SIAMESE_5)", None, None),
    "baseline-only": ("scratch CNN on the baseline patches alone", 0.45, 0.55),
}


def _npy_data_offset(raw, path):
    """Offset of the data in a .npy file (format 1.0 or 2.0)."""
    if raw[:6] != b"\x93NUMPY":
        raise SystemExit(f"{path}: not a .npy file")
    if raw[6] == 1:
        return 10 + int.from_bytes(raw[8:10], "little")
    return 12 + int.from_bytes(raw[8:12], "little")


def baseline_copy(src, dst):
    os.makedirs(dst, exist_ok=True)
    row = 150 * 150 * 2  # one uint16 patch
    for img, lab in FILES:
        path = os.path.join(src, img)
        with open(path, "rb") as f:
            raw = bytearray(f.read())
        off = _npy_data_offset(raw, path)
        n = (len(raw) - off) // row
        for k in range(0, n - 1, 2):
            a = off + k * row
            raw[a + row:a + 2 * row] = raw[a:a + row]
        tmp = os.path.join(dst, img + ".tmp")
        with open(tmp, "wb") as f:
            f.write(raw)
        os.replace(tmp, os.path.join(dst, img))
        tmp = os.path.join(dst, lab + ".tmp")
        shutil.copyfile(os.path.join(src, lab), tmp)
        os.replace(tmp, os.path.join(dst, lab))


def _read_rows(path, row):
    with open(path, "rb") as f:
        raw = f.read()
    off = _npy_data_offset(raw, path)
    return [raw[off + k * row:off + (k + 1) * row] for k in range((len(raw) - off) // row)]


def compare(a, b):
    for img, lab in FILES:
        la, lb = (_read_rows(os.path.join(d, lab), 8) for d in (a, b))  # int64 labels
        if la != lb:
            raise SystemExit(f"{lab}: labels differ between {a} and {b}")
        ra, rb = (_read_rows(os.path.join(d, img), 150 * 150 * 2) for d in (a, b))
        if len(ra) != len(rb):
            raise SystemExit(f"{img}: {len(ra)} vs {len(rb)} patches")
        same_base = sum(ra[k] == rb[k] for k in range(0, len(ra), 2))
        print(f"{img}: baseline patches identical {same_base}/{len(ra) // 2}")
        for label in sorted({int.from_bytes(x, "little") for x in la[1::2]}):
            ks = [k for k in range(1, len(ra), 2) if int.from_bytes(la[k], "little") == label]
            same = sum(ra[k] == rb[k] for k in ks)
            print(f"  label {label}: abnormality patches identical {same}/{len(ks)} ({same / len(ks):.0%})")


def siamese_minus_single(run_dir, seed):
    """SIAMESE_5 - SCRATCH_6 test AUC of one seed's runs on the same test pairs: (difference,
    low, high, n, draws) with the paired bootstrap's draws (precision_table.paired_draws, its
    generator seeded with `seed`), or None where a run or its predictions are missing."""
    runs = [Path(run_dir, c) for c in ("mass-calc", "siamese")]
    if not all((r / "predictions.csv").is_file() for r in runs):
        return None
    single, pair = (test_predictions(r) for r in runs)
    draws = paired_draws(single, pair, seed=seed)
    if not draws:
        return None
    test_auc = lambda p: auc(*zip(*(p[k] for k in sorted(p))))
    return (test_auc(pair) - test_auc(single), *percentile_interval(draws), len(single), draws)


def summary(out):
    runs = os.path.join(out, "runs")
    aucs = {}
    for seed in sorted(os.listdir(runs)):
        d = os.path.join(runs, seed)
        if not os.path.isdir(d):
            continue
        for case in os.listdir(d):
            m = os.path.join(d, case, "metrics.json")
            if os.path.isfile(m):
                with open(m) as f:
                    t = json.load(f).get("test") or {}
                auc = t.get("roc_auc")
                if auc is not None:
                    aucs.setdefault(case, []).append((seed, float(auc)))
    rows = ["| case | seeds | test AUC per seed | mean | range | target |", "|---|---|---|---|---|---|"]
    for case, (label, lo, hi) in TARGETS.items():
        v = aucs.get(case, [])
        if not v:
            continue
        a = [x for _, x in v]
        mean = statistics.mean(a)
        target = f"{lo:.2f}-{hi:.2f}" if lo is not None else "≥ mass vs calcification"
        ok = ""
        if lo is not None:
            ok = " (in range)" if lo <= mean <= hi else " (OUT of range)"
        elif "mass-calc" in aucs:
            mc = statistics.mean([x for _, x in aucs["mass-calc"]])
            ok = " (met)" if mean >= mc else f" (NOT met: single image {mc:.3f})"
        per = ", ".join(f"{x:.3f}" for _, x in v)
        rows.append(f"| {label} | {' '.join(s for s, _ in v)} | {per} | {mean:.3f} | "
                    f"{min(a):.3f}-{max(a):.3f} | {target}{ok} |")
    # The Siamese network against the single image, seed by seed, on the same test pairs, and
    # their mean over seeds (each seed's test set resampled independently).
    diffs = []
    for i, seed in enumerate(sorted(os.listdir(runs))):
        r = siamese_minus_single(os.path.join(runs, seed), seed=i)
        if r:
            diffs.append((seed, r))
    if diffs:
        rows += ["", "| seed | SIAMESE_5 - SCRATCH_6, test AUC (paired bootstrap 95% interval) | test pairs |",
                 "|---|---|---|"]
        rows += [f"| {s} | {d:+.3f} [{lo:+.3f}, {hi:+.3f}] | {n} |" for s, (d, lo, hi, n, _) in diffs]
        if len(diffs) > 1:
            mean = statistics.mean(r[0] for _, r in diffs)
            pooled = [statistics.mean(t) for t in zip(*(r[4] for _, r in diffs))]
            lo, hi = percentile_interval(pooled)
            n = sum(r[3] for _, r in diffs)
            rows.append(f"| mean of {len(diffs)} | {mean:+.3f} [{lo:+.3f}, {hi:+.3f}] | {n} |")
    print("\n".join(rows))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "baseline-copy":
        baseline_copy(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(sys.argv[2])
    else:
        sys.exit(__doc__)
