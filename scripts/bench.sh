#!/usr/bin/env bash
# make bench: mammo next to PyTorch eager, Keras/TensorFlow and NumPy on this machine, in one run,
# and a table of medians (docs/PERFORMANCE.md explains every row).
#
#   scripts/bench.sh [--quick] [--cold-notebook]
#
# --quick: one repetition instead of three; --cold-notebook: also time the first :dep cell with
# an empty evcxr build dir (compiles every dependency once: minutes).
# The PyTorch side needs an importable torch 2.11 (the full wheel): MAMMO_TORCH_PYTHON, or a venv
# under ~/.cache/mammo/torch-venv created once (~2.7 GB download). The Keras side needs
# TensorFlow 2.21: MAMMO_KERAS_PYTHON, or ~/.cache/mammo/keras-venv created once (tensorflow-cpu);
# MAMMO_BENCH_KERAS=0 skips it. Raw JSON lines: build/bench/results.jsonl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPS=3
STEPS=20   # training steps per measurement at batch 32 (a quarter of that at batch 128)
COLD=""
for a in "$@"; do
  case "$a" in
    --quick) REPS=1; STEPS=10;;
    --cold-notebook) COLD=--cold;;
    *) echo "bench: unknown option $a" >&2; exit 2;;
  esac
done
CACHE="${MAMMO_CACHE:-$HOME/.cache/mammo}"
venv_with() {  # $1 = venv dir, $2 = module to import, $3... = pip packages
  local dir="$1" mod="$2"; shift 2
  if ! "$dir/bin/python" -c "import $mod" 2>/dev/null; then
    echo "[bench] creating $dir with $* (once)" >&2
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q "$@" >&2
  fi
  echo "$dir/bin/python"
}
# torchvision for the InceptionV3 reference (its model), pillow because torchvision imports it.
PY="${MAMMO_TORCH_PYTHON:-$(venv_with "$CACHE/torch-venv" torchvision torch==2.11.0 torchvision==0.26.0 pillow numpy)}"
KERAS=""
if [ "${MAMMO_BENCH_KERAS:-1}" != 0 ]; then
  KERAS="${MAMMO_KERAS_PYTHON:-$(venv_with "$CACHE/keras-venv" tensorflow tensorflow-cpu==2.21.0 numpy)}"
fi
# The dev profile is optimised (opt-level 2 for mammo and every dependency; libtorch does the
# arithmetic either way) and is the build `make test` already made: no second, release build.
cargo build --workspace --bins -q
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mammo"
DEV="${MAMMO_DEVICE:-auto}"
DATA="${MAMMO_DATA:-$ROOT/data/synthetic}"
[ -f "$DATA/train_tensor.npy" ] || "$BIN" synth --out "$DATA" --seed 42
OUT="$ROOT/build/bench"; mkdir -p "$OUT"
RES="$OUT/results.jsonl"
: > "$RES"
note() { echo "[bench] $*" >&2; }
rec() { "$@" | tee -a "$RES"; }
note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512f|avx512_bf16|amx_bf16|amx_tile)$' | tr '\n' ' ')"
for bs in 32 128; do
  st=$(( bs == 32 ? STEPS : (STEPS + 3) / 4 ))
  for rep in $(seq "$REPS"); do
    note "scratch CNN, batch $bs, repetition $rep"
    rec "$BIN" bench --device "$DEV" --batch-size "$bs" --steps "$st"
    rec "$BIN" bench --device "$DEV" --batch-size "$bs" --steps "$st" --channels-last
    rec "$BIN" bench --device "$DEV" --batch-size "$bs" --steps "$st" --channels-last --precision bf16
    # What `mammo train` runs by default on the CPU: micro-batches of 4 rows, precision auto
    # (bf16 where the CPU has bf16 units, else fp32; the JSON line says which).
    rec "$BIN" bench --device "$DEV" --batch-size "$bs" --steps "$st" --channels-last --micro-batch 4 --precision auto
    rec "$PY" scripts/bench/torch_scratch.py --batch-size "$bs" --steps "$st"
    rec "$PY" scripts/bench/torch_scratch.py --batch-size "$bs" --steps "$st" --channels-last
    rec "$PY" scripts/bench/torch_scratch.py --batch-size "$bs" --steps "$st" --channels-last --amp bf16
    # PyTorch with glibc's allocator set as mammo sets it (mammo::runtime::device::allocator).
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=2147483647 \
      rec "$PY" scripts/bench/torch_scratch.py --batch-size "$bs" --steps "$st" --channels-last
    [ -z "$KERAS" ] || rec "$KERAS" scripts/bench/keras_scratch.py --batch-size "$bs" --steps "$st"
  done
done
# bf16 means something on CUDA or on a CPU with bf16 units; elsewhere it is emulated (10x slower).
BF16=0
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo || { [ "$DEV" != cpu ] && "$BIN" doctor 2>/dev/null | grep -qE '^CUDA +(available|[0-9])'; }; then
  BF16=1
fi
for rep in $(seq "$REPS"); do
  for bb in vgg16 inception-v3; do
    st=$([ "$bb" = vgg16 ] && echo 4 || echo 10)
    note "$bb features, repetition $rep"
    rec "$BIN" bench --device "$DEV" --what "$bb" --batch-size 32 --steps "$st"
    rec "$PY" scripts/bench/torch_scratch.py --what "$bb" --batch-size 32 --steps "$st"
    rec "$PY" scripts/bench/torch_scratch.py --what "$bb" --batch-size 32 --steps "$st" --channels-last
    # bf16: mammo's backbone precision against PyTorch's bf16 autocast.
    if [ "$BF16" = 1 ]; then
      rec "$BIN" bench --device "$DEV" --what "$bb" --batch-size 32 --steps "$st" --precision bf16
      rec "$PY" scripts/bench/torch_scratch.py --what "$bb" --batch-size 32 --steps "$st" --channels-last --amp bf16
    fi
  done
  note "roofline, .npy load, repetition $rep"
  rec "$BIN" bench --device "$DEV" --what roofline --steps 10
  rec "$PY" scripts/bench/torch_scratch.py --what roofline --steps 10
  rec "$BIN" bench --what npy --data "$DATA" --steps 3
  rec "$PY" scripts/bench/torch_scratch.py --what npy --npy "$DATA/train_tensor.npy" --steps 3
done
note "data path and peak memory on $DATA"
rec "$BIN" bench --what data --data "$DATA" --batch-size 32 --steps 6
rec "$BIN" bench --what data --data "$DATA" --batch-size 32 --steps 6 --micro-batch 0
note "notebook latency"
rec bash scripts/bench/notebook_latency.sh $COLD
"$PY" scripts/bench/summarize.py "$RES"
