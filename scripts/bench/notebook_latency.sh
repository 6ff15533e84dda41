#!/usr/bin/env bash
# Notebook latency: time to execute a notebook holding only the first `:dep mammo` cell and one
# line using it, with the mammo kernel. Warm = the kernel's persistent build dir is already
# built (the usual case); cold (--cold) = an empty build dir, i.e. the first notebook ever on a
# machine (compiles mammo, tch, polars, ... once). One JSON line per measurement.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JUPYTER="$ROOT/.venv/bin/jupyter"
OUT="$ROOT/build/bench"; mkdir -p "$OUT"
NB="$OUT/latency.ipynb"
# The kernel reads evcxr.toml from the notebook's folder: use the notebooks' settings (opt_level),
# or it would build every dependency at another optimisation level into the shared build dir.
cp "$ROOT/notebooks/evcxr.toml" "$OUT/evcxr.toml"
"$ROOT/.venv/bin/python" - "$NB" <<'PY'
import nbformat, sys
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell(':dep mammo = { path = "../../utility" }'),
            nbformat.v4.new_code_cell('println!("{}", mammo::models::thousands(3452545));')]
nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust (mammo)", "language": "rust"}
nbformat.write(nb, sys.argv[1])
PY
measure() {  # $1 = label; environment decides the build dir
  local t0 ms
  t0=$(date +%s%N)
  "$JUPYTER" nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=rust \
    --ExecutePreprocessor.timeout=3600 --output-dir "$OUT" --output latency-out.ipynb "$NB" >/dev/null 2>&1
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '{"bench": "notebook-latency", "implementation": "mammo", "build_dir": "%s", "seconds": %d.%01d}\n' "$1" $((ms / 1000)) $((ms % 1000 / 100))
}
if [ "${1:-}" = "--cold" ]; then
  cold="$(mktemp -d)"
  MAMMO_EVCXR_DIR="$cold" measure cold
  rm -rf "$cold"
fi
# The first warm run also recompiles `mammo` when the library changed since the kernel last built
# it (minutes on a fresh change); the second is the everyday latency.
measure "warm, 1st run"
measure "warm, 2nd run"
