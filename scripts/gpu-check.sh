#!/usr/bin/env bash
# Run on a GPU host that has PyTorch 2.11 preinstalled (no Rust, no registry needed): uses mammo
# binaries built on a build machine (`scripts/gpu-build.sh` puts stripped copies in build/gpu),
# points them at the host's libtorch, and checks CUDA end to end: doctor, a short CUDA training
# run, and the scratch CNN's throughput next to PyTorch's. Results go to $OUT (or build/gpu-out).
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${MAMMO_BIN:-$ROOT/build/gpu}"
OUT="${OUT:-$ROOT/build/gpu-out}"
mkdir -p "$OUT"
. "$ROOT/scripts/gpu-env.sh"
log() { echo "== $*" | tee -a "$OUT/gpu-check.log"; }
run() { log "$*"; "$@" 2>&1 | tee -a "$OUT/gpu-check.log"; return "${PIPESTATUS[0]}"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$OUT/gpu-check.log"
run "$BIN/mammo" doctor || exit 1
run "$BIN/mammo" synth --out /tmp/mammo-gpu-data --scale 0.25
run "$BIN/mammo" train --data /tmp/mammo-gpu-data --task mass-calc --model scratch --profile full --epochs 3 \
  --augment flip,rot90 --device cuda --out /tmp/mammo-gpu-runs/scratch-cuda --force
cp /tmp/mammo-gpu-runs/scratch-cuda/metrics.json "$OUT/scratch-cuda-metrics.json" 2>/dev/null
for bs in 32 128; do
  run "$BIN/mammo" bench --device cuda --batch-size "$bs" --steps 50 | tail -1 >> "$OUT/bench.jsonl"
  run "$BIN/mammo" bench --device cuda --batch-size "$bs" --steps 50 --channels-last --precision bf16 | tail -1 >> "$OUT/bench.jsonl"
  "$PY" "$ROOT/scripts/bench/torch_scratch.py" --device cuda --batch-size "$bs" --steps 50 | tee -a "$OUT/bench.jsonl"
  "$PY" "$ROOT/scripts/bench/torch_scratch.py" --device cuda --batch-size "$bs" --steps 50 --channels-last --amp bf16 | tee -a "$OUT/bench.jsonl"
done
run "$BIN/mammo" bench --device cuda --what vgg16 --batch-size 64 --steps 20 | tail -1 >> "$OUT/bench.jsonl"
"$PY" "$ROOT/scripts/bench/torch_scratch.py" --device cuda --what vgg16 --batch-size 64 --steps 20 | tee -a "$OUT/bench.jsonl"
log "done"
