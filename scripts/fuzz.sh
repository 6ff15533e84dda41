#!/usr/bin/env bash
# Fuzz mammo's .npy reader and dataset validator with cargo-fuzz (libFuzzer + AddressSanitizer).
#
#   scripts/fuzz.sh [RUNS] [TARGET...]     RUNS defaults to 1000000; targets default to both.
#
# Needs a nightly toolchain (rustup toolchain install nightly). Installs cargo-fuzz if missing.
# The committed corpus in fuzz/corpus/<target>/ is only read: new inputs go to
# fuzz/target/corpus/<target>/ (ignored by git); crashes go to fuzz/artifacts/<target>/.
# Run `cargo +nightly fuzz cmin <target> fuzz/corpus/<target>` from fuzz/ to re-minimise the
# committed corpus after adding inputs to it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-1000000}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(npy_read dataset_validate)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cd "$ROOT/fuzz"
echo "[fuzz] $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(cargo fuzz --version), $(rustc +nightly --version)"
for t in "${TARGETS[@]}"; do
  case "$t" in
    npy_read) max_len=4096 ;;
    # The dataset seed with two real 150x150 images is 45 kB.
    dataset_validate) max_len=65536 ;;
    *) echo "[fuzz] unknown target $t (npy_read, dataset_validate)" >&2; exit 2 ;;
  esac
  work="target/corpus/$t"
  mkdir -p "$work" "corpus/$t"
  echo "[fuzz] $t: $RUNS runs, max_len $max_len"
  # -jobs=1 -workers=1: one fuzzing process; libFuzzer writes its output to fuzz-0.log and
  # copies it to stderr when the job ends.
  cargo +nightly fuzz run "$t" "$work" "corpus/$t" -- \
    -runs="$RUNS" -max_len="$max_len" -jobs=1 -workers=1 -print_final_stats=1
  rm -f fuzz-0.log
done
