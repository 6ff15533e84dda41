#!/usr/bin/env bash
# Re-measure how hard the synthetic default is (docs/SYNTHETIC.md, "Calibration"): for each seed,
# generate the full-size synthetic set with that seed and train the seed report's best
# configurations on it with the full profile (SIAMESE_5 with RMSprop, as seedref reads it), then summarise the test ROC AUCs (mean and range)
# with scripts/bench/synth_calibration.py. A benchmark-style measurement, not a test: it takes
# a few minutes on a GPU, ~2 h on 2 CPU cores with bf16 units, 9-12 h on 2 AVX2-only cores
# (one SCRATCH_6 run: 27-41 min there, one SIAMESE_5 run about 2 h). Finished runs are skipped
# and interrupted ones resume from their last epoch, so it can be stopped and started again.
#
#   scripts/bench/synth_calibration.sh                    # seeds 1 2 3, device auto
#   CAL_SEEDS="1" CAL_EPOCHS=8 scripts/bench/synth_calibration.sh   # a quick look while tuning
#
# Environment: MAMMO_BIN (default target/debug/mammo), CAL_SEEDS, CAL_DEVICE (auto), CAL_OUT
# (build/calibration), CAL_EPOCHS (override every run's epochs), CAL_SYNTH_ARGS (extra
# `mammo synth` flags, e.g. "--hard-cases 0.4"), CAL_CASES (default: all four), CAL_PARALLEL
# (runs at once; 1 on a CPU, 4 on a large GPU), PYTHON (with numpy; default python3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${MAMMO_BIN:-$ROOT/target/debug/mammo}"
SEEDS="${CAL_SEEDS:-1 2 3}"
DEVICE="${CAL_DEVICE:-auto}"
OUT="${CAL_OUT:-$ROOT/build/calibration}"
CASES="${CAL_CASES:-mass-calc benign-malignant siamese baseline-only}"
PAR="${CAL_PARALLEL:-1}"
PY="${PYTHON:-python3}"
SYNTH_ARGS="${CAL_SYNTH_ARGS:-}"
mkdir -p "$OUT"
echo "synth args: ${CAL_SYNTH_ARGS:-(defaults)}; epochs: ${CAL_EPOCHS:-as in the seed report}; device $DEVICE" | tee "$OUT/settings.txt"

ep() { if [ -n "${CAL_EPOCHS:-}" ]; then echo "--epochs $CAL_EPOCHS"; else echo "--epochs $1"; fi; }

# The seed's best configurations (report §4.1 SCRATCH_6, §4.2 SCRATCH_BM_V6, §6 SIAMESE_5), and
# SCRATCH_6 trained on the baseline patches alone (they should carry no lesion information).
train_case() {
  local case=$1 s=$2 data="$OUT/data-$2" dir="$OUT/runs/$2/$1"
  [ -f "$dir/metrics.json" ] && return 0
  # An interrupted run (killed, or the machine went away) continues from its last epoch's
  # checkpoint, ending bit for bit where an uninterrupted run would have on the CPU (docs/RUNS.md).
  # It keeps the settings it started with: CAL_EPOCHS and CAL_DEVICE do not change it.
  if [ -f "$dir/checkpoint.safetensors" ]; then
    echo "[calibration] seed $s: $case resumes from its checkpoint"
    "$BIN" train --resume "$dir" >> "$OUT/runs/$s-$case.log" 2>&1
    return
  fi
  local common=(--profile full --device "$DEVICE" --seed "$s" --out "$dir" --force)
  case "$case" in
    mass-calc) "$BIN" train --data "$data" --task mass-calc --model scratch --augment flip,rot90 \
                 --optimizer rmsprop --lr 0.001 $(ep 35) "${common[@]}" ;;
    benign-malignant) "$BIN" train --data "$data" --task benign-malignant --model scratch \
                 --augment rot90 --contrast 2 --optimizer rmsprop --lr 0.001 $(ep 30) "${common[@]}" ;;
    siamese) "$BIN" train --data "$data" --task siamese --model siamese --augment rot90 \
                 --dropout 0.4 --optimizer rmsprop --lr 0.001 $(ep 50) "${common[@]}" ;;
    baseline-only) "$BIN" train --data "$data-baseline" --task mass-calc --model scratch \
                 --augment flip,rot90 --optimizer rmsprop --lr 0.001 $(ep 35) "${common[@]}" ;;
    *) echo "unknown case $case" >&2; return 2 ;;
  esac > "$OUT/runs/$s-$case.log" 2>&1
}

for s in $SEEDS; do
  mkdir -p "$OUT/runs/$s"
  [ -f "$OUT/data-$s/public_test_labels.npy" ] || "$BIN" synth --out "$OUT/data-$s" --seed "$s" $SYNTH_ARGS
  # The baseline-only copy: every abnormality row replaced by its pair's baseline patch.
  [ -f "$OUT/data-$s-baseline/public_test_labels.npy" ] ||
    "$PY" "$ROOT/scripts/bench/synth_calibration.py" baseline-copy "$OUT/data-$s" "$OUT/data-$s-baseline"
done

jobs_running() { jobs -rp | wc -l; }
status=0
for s in $SEEDS; do
  for c in $CASES; do
    while [ "$(jobs_running)" -ge "$PAR" ]; do sleep 2; done
    echo "[calibration] seed $s: $c"
    train_case "$c" "$s" &
  done
done
for j in $(jobs -p); do wait "$j" || status=1; done
"$PY" "$ROOT/scripts/bench/synth_calibration.py" summary "$OUT" | tee "$OUT/summary.md"
exit $status
