#!/usr/bin/env bash
# Notebook latency (issue "Performance, second round", targets: a trivial cell <= 0.5 s, the
# first `:dep` cell with a warm build dir <= 10 s): a notebook of the first `:dep mammo` cell,
# the prelude, a first cell that uses a variable (evcxr's first real compile against mammo),
# four trivial cells and the environment cell, executed with the mammo kernel and per-cell
# timings (nbclient's record_timing: from the cell's start to the kernel's reply). Warm = the
# kernel's persistent build dir is already built (the usual case); cold (--cold) = an empty build
# dir, i.e. the first notebook ever on a machine (compiles mammo, tch, polars, ... once). One
# JSON line per measurement: the whole notebook (kernel start included) and each kind of cell.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JUPYTER="$ROOT/.venv/bin/jupyter"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/build/bench"; mkdir -p "$OUT"
NB="$OUT/latency.ipynb"
# The kernel reads evcxr.toml from the notebook's folder: use the notebooks' settings (opt_level),
# or it would build every dependency at another optimisation level into the shared build dir.
cp "$ROOT/notebooks/evcxr.toml" "$OUT/evcxr.toml"
"$PY" - "$NB" <<'PY'
import nbformat, sys
cells = [
    (":dep mammo = { path = \"../../utility\" }", "dep"),
    ("use mammo::prelude::*;", "prelude"),
    ("let a = 1;", "first"),
    ("println!(\"{}\", a + 1);", "trivial"),
    ("let b = a * 3;", "trivial"),
    ("println!(\"{}\", mammo::models::thousands(3452545));", "trivial"),
    ("println!(\"{}\", b);", "trivial"),
    ("let env = env_cell();", "env"),
]
nb = nbformat.v4.new_notebook()
nb.cells = []
for src, kind in cells:
    c = nbformat.v4.new_code_cell(src)
    c.metadata["latency"] = kind
    nb.cells.append(c)
nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust (mammo)", "language": "rust"}
nbformat.write(nb, sys.argv[1])
PY
measure() {  # $1 = label; environment decides the build dir
  local t0 ms
  t0=$(date +%s%N)
  "$JUPYTER" nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=rust \
    --ExecutePreprocessor.record_timing=True \
    --ExecutePreprocessor.timeout=3600 --output-dir "$OUT" --output latency-out.ipynb "$NB" >/dev/null 2>&1
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  "$PY" - "$OUT/latency-out.ipynb" "$1" "$ms" <<'PY'
import datetime, json, statistics, sys
nb = json.load(open(sys.argv[1]))
label, ms = sys.argv[2], int(sys.argv[3])
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
cells = {}
for c in nb["cells"]:
    m = c["metadata"].get("execution", {})
    if "iopub.execute_input" in m and "shell.execute_reply" in m:
        d = (t(m["shell.execute_reply"]) - t(m["iopub.execute_input"])).total_seconds()
        cells.setdefault(c["metadata"].get("latency", "?"), []).append(d)
row = {"bench": "notebook-latency", "implementation": "mammo", "build_dir": label,
       "seconds": round(ms / 1000, 1)}
for kind, ds in cells.items():
    row[f"{kind}_cell_s"] = round(statistics.median(ds), 2)
row["trivial_cells_s"] = [round(d, 2) for d in cells.get("trivial", [])]
print(json.dumps(row))
PY
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
