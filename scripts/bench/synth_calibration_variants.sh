#!/usr/bin/env bash
# Calibrate the synthetic default on a GPU host (docs/SYNTHETIC.md, "Calibration"): run
# scripts/bench/synth_calibration.sh for several generator settings at once, each into its own
# folder, and print every summary. Binaries: MAMMO_BIN (default build/gpu/mammo, stripped copies of
# the build machine's target/debug/mammo and mammo-engine); libtorch: the host's PyTorch.
#
#   scripts/bench/synth_calibration_variants.sh "--hard-cases 0.3 --speckled 0.35" "--hard-cases 0.5"
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUTROOT="${CAL_ROOT:-/tmp/mammo-calibration}"
. "$ROOT/scripts/gpu-env.sh"
export MAMMO_BIN="${MAMMO_BIN:-$ROOT/build/gpu/mammo}"
export CAL_DEVICE="${CAL_DEVICE:-cuda}" CAL_PARALLEL="${CAL_PARALLEL:-3}" PYTHON=python3
mkdir -p "$OUTROOT"
i=0
for v in "$@"; do
  i=$((i + 1))
  CAL_SYNTH_ARGS="$v" CAL_OUT="$OUTROOT/v$i" bash "$ROOT/scripts/bench/synth_calibration.sh" \
    > "$OUTROOT-v$i.log" 2>&1 &
done
wait
for j in $(seq 1 $i); do
  echo "## variant $j: $(head -1 "$OUTROOT/v$j/settings.txt" 2>/dev/null)"
  cat "$OUTROOT/v$j/summary.md" 2>/dev/null || tail -5 "$OUTROOT-v$j.log"
done
# Small copies of what was measured (summaries, per-run logs and metrics) for a results folder.
if [ -n "${OUT:-}" ]; then
  tar -C "$OUTROOT" -czf "$OUT/calibration-runs.tgz" --exclude='*.npy' --exclude='*.safetensors' --exclude='*.pt' . 2>/dev/null
fi
