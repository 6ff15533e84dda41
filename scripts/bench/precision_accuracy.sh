#!/usr/bin/env bash
# What bf16 costs in accuracy: the same training run in fp32 and in bf16, several seeds and
# tasks, on the course-size synthetic set; then a table of paired differences
# (scripts/bench/precision_table.py). docs/PERFORMANCE.md records the results and the decision
# they support (the `auto` precision).
#
#   scripts/bench/precision_accuracy.sh [OUT_DIR]      (default build/precision)
#
# MAMMO_BIN: the mammo binary (default: target/debug/mammo under CARGO_TARGET_DIR or ./target).
# PRECISION_SEEDS (default "1 2 3"), PRECISION_CASES (default: all cases below, by name).
# A run whose metrics.json exists is kept (delete the folder to redo it). The scratch and
# Siamese cases take ~80 min on a 2-core CPU with AVX512-BF16 (PRECISION_CASES="mass-calc
# four-class" for a part); the backbone cases (names starting inception- and vgg16-) are not in
# the default set: PRECISION_CASES="inception-mass-calc inception-benign-malignant vgg16-mass-calc".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${1:-build/precision}"
BIN="${MAMMO_BIN:-${CARGO_TARGET_DIR:-target}/debug/mammo}"
SEEDS="${PRECISION_SEEDS:-1 2 3}"
DATA="${MAMMO_DATA:-data/synthetic}"
[ -x "$BIN" ] || { echo "precision: $BIN not found (cargo build first, or set MAMMO_BIN)" >&2; exit 2; }
[ -f "$DATA/train_tensor.npy" ] || "$BIN" synth --out "$DATA"
# name | mammo train flags (the task's settings; seed, precision and output are added)
CASES=(
  "mass-calc|--task mass-calc --model scratch --epochs 4 --augment flip,rot90"
  "four-class|--task four-class --model scratch --epochs 4 --augment flip,rot90"
  "benign-malignant|--task benign-malignant --model scratch --epochs 8 --lr 1e-4 --augment flip,rot90"
  "siamese|--task siamese --model siamese --epochs 4 --augment flip,rot90"
  "mass-calc-8-epochs|--task mass-calc --model scratch --epochs 8 --augment flip,rot90"
  # Frozen backbones: bf16 features under the seed's MLP head (no augmentation: each image's
  # features are computed once per run). Random backbones unless ImageNet weights are installed
  # (docs/WEIGHTS.md); emulated bf16 on a CPU without bf16 units is slow (VGG16 ~1 image/s):
  # there, a smaller set (MAMMO_DATA=... from `mammo synth --scale 0.25`) keeps it to minutes.
  "inception-mass-calc|--task mass-calc --model inception-v3 --epochs 10 --augment none"
  "inception-benign-malignant|--task benign-malignant --model inception-v3 --epochs 10 --augment none"
  "vgg16-mass-calc|--task mass-calc --model vgg16 --epochs 10 --augment none"
)
mkdir -p "$OUT"
for case in "${CASES[@]}"; do
  name="${case%%|*}"; flags="${case#*|}"
  if [ -n "${PRECISION_CASES:-}" ]; then
    [[ " $PRECISION_CASES " == *" $name "* ]] || continue
  elif [[ "$name" == inception-* || "$name" == vgg16-* ]]; then
    continue
  fi
  for seed in $SEEDS; do
    for p in fp32 bf16; do
      dir="$OUT/$name-$p-$seed"
      [ -f "$dir/metrics.json" ] && continue
      echo "[precision] $name seed $seed $p" >&2
      # shellcheck disable=SC2086
      "$BIN" train --data "$DATA" $flags --profile full --seed "$seed" --precision "$p" \
        --device cpu --out "$dir" --force > "$OUT/$name-$p-$seed.log" 2>&1 \
        || { echo "precision: $name $p seed $seed failed, see $OUT/$name-$p-$seed.log" >&2; exit 1; }
    done
  done
done
python3 "$ROOT/scripts/bench/precision_table.py" "$OUT"
