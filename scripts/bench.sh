#!/usr/bin/env bash
# make bench: mammo's scratch-CNN throughput next to PyTorch eager's, on this machine, in one run.
# The PyTorch side needs an importable torch 2.11 (the full wheel): MAMMO_TORCH_PYTHON, or a
# venv under ~/.cache/mammo/torch-venv that this script creates once (~2.7 GB download).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="${MAMMO_CACHE:-$HOME/.cache/mammo}"
PY="${MAMMO_TORCH_PYTHON:-$CACHE/torch-venv/bin/python}"
if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "[bench] creating $CACHE/torch-venv with torch 2.11.0 for the PyTorch reference"
  python3 -m venv "$CACHE/torch-venv"
  "$CACHE/torch-venv/bin/pip" install -q torch==2.11.0 numpy
  PY="$CACHE/torch-venv/bin/python"
fi
cargo build --release --bins -q
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/mammo"
DEV="${MAMMO_DEVICE:-auto}"
OUT="$ROOT/build/bench"; mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), threads ${OMP_NUM_THREADS:-all}"
: > "$OUT/results.jsonl"
for bs in 32 128; do
  for rep in 1 2 3; do
    "$BIN" bench --device "$DEV" --batch-size "$bs" --steps 20 | tee -a "$OUT/results.jsonl"
    "$PY" scripts/bench/torch_scratch.py --batch-size "$bs" --steps 20 | tee -a "$OUT/results.jsonl"
    "$PY" scripts/bench/torch_scratch.py --batch-size "$bs" --steps 20 --channels-last --amp bf16 | tee -a "$OUT/results.jsonl"
  done
done
python3 - "$OUT/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in rows:
    name = r.get("implementation") or ("pytorch" + (" channels-last+" + r["amp"] if r.get("channels_last") else ""))
    groups.setdefault((name, r["batch_size"]), []).append(r["train_images_per_s"])
print(f"{'implementation':<32}{'batch':>6}{'train img/s (median)':>22}{'spread':>16}")
for (name, bs), v in sorted(groups.items(), key=lambda x: (x[0][1], x[0][0])):
    print(f"{name:<32}{bs:>6}{statistics.median(v):>22.1f}{min(v):>8.1f}-{max(v):.1f}")
PY
