#!/usr/bin/env bash
# Notebook latency (issue "Performance, second round", targets: a trivial cell <= 0.5 s, the
# first `:dep` cell with a warm build dir <= 10 s): a notebook of the first `:dep mammo` cell,
# the prelude, a first cell that uses a variable (evcxr's first real compile against mammo),
# four trivial cells and the environment cell, executed with the mammo kernel and per-cell
# timings (nbclient's record_timing: from the cell's start to the kernel's reply). Warm = the
# kernel's persistent build dir is already built (the usual case); cold (--cold) = an empty build
# dir, i.e. the first notebook ever on a machine (compiles mammo, tch, polars, ... once). One
# JSON line per measurement: the whole notebook (kernel start included) and each kind of cell.
#
# Where a cell's time goes: every cell is one `cargo build` of evcxr's cell crate, i.e. evcxr's
# own work and cargo's freshness check of every dependency, then one `rustc` (compile and link of
# the cell's shared library), then loading and running it. A timing RUSTC_WRAPPER records when
# rustc starts and ends for the cell crate, so each trivial cell is split into those three parts
# (`*_split_s`: before rustc, rustc, after rustc; medians). Two more notebooks give the floor:
# `no-prelude` (the same cells without `use mammo::prelude::*;`) and `bare` (no `:dep` at all:
# evcxr alone, with no crate to link against). --no-floor measures the mammo notebook only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JUPYTER="$ROOT/.venv/bin/jupyter"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/build/bench"; mkdir -p "$OUT"
COLD=0; FLOOR=1
for a in "$@"; do
  case "$a" in
    --cold) COLD=1;;
    --no-floor) FLOOR=0;;
    *) echo "usage: notebook_latency.sh [--cold] [--no-floor]" >&2; exit 2;;
  esac
done
# The kernel reads evcxr.toml from the notebook's folder: use the notebooks' settings (opt_level),
# or it would build every dependency at another optimisation level into the shared build dir.
cp "$ROOT/notebooks/evcxr.toml" "$OUT/evcxr.toml"
# rustc's start and end for evcxr's cell crate (`ctx`), one line each, for the split above.
WRAP="$OUT/latency-rustc-wrapper.sh"
cat > "$WRAP" <<'SH'
#!/usr/bin/env bash
s=$(date +%s.%N); "$@"; rc=$?; e=$(date +%s.%N)
case " $* " in *" --crate-name ctx "*) [ -n "${MAMMO_LATENCY_LOG:-}" ] && echo "$s $e" >> "$MAMMO_LATENCY_LOG";; esac
exit $rc
SH
chmod +x "$WRAP"
write_notebook() {  # $1 = path, $2 = variant (mammo | no-prelude | bare)
  "$PY" - "$1" "$2" <<'PY'
import nbformat, sys
path, variant = sys.argv[1], sys.argv[2]
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
if variant == "no-prelude":
    cells = [c for c in cells if c[1] not in ("prelude", "env")]
elif variant == "bare":
    cells = [c for c in cells if c[1] not in ("dep", "prelude", "env")]
    cells = [("println!(\"{}\", 3452545 / 1000);", "trivial") if "mammo::" in s else (s, k)
             for s, k in cells]
nb = nbformat.v4.new_notebook()
nb.cells = []
for src, kind in cells:
    c = nbformat.v4.new_code_cell(src)
    c.metadata["latency"] = kind
    nb.cells.append(c)
nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust (mammo)", "language": "rust"}
nbformat.write(nb, path)
PY
}
measure() {  # $1 = label, $2 = variant; the environment decides the build dir
  local t0 ms nb="$OUT/latency-$2.ipynb" log="$OUT/latency-rustc.log"
  write_notebook "$nb" "$2"
  : > "$log"
  t0=$(date +%s%N)
  RUSTC_WRAPPER="$WRAP" MAMMO_LATENCY_LOG="$log" \
  "$JUPYTER" nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=rust \
    --ExecutePreprocessor.record_timing=True \
    --ExecutePreprocessor.timeout=3600 --output-dir "$OUT" --output "latency-$2-out.ipynb" "$nb" >/dev/null 2>&1
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  "$PY" - "$OUT/latency-$2-out.ipynb" "$1" "$ms" "$2" "$log" <<'PY'
import datetime, json, statistics, sys
nb = json.load(open(sys.argv[1]))
label, ms, variant = sys.argv[2], int(sys.argv[3]), sys.argv[4]
rustc = [tuple(map(float, l.split())) for l in open(sys.argv[5]) if l.strip()]
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
cells, splits = {}, {}
for c in nb["cells"]:
    m = c["metadata"].get("execution", {})
    if "iopub.execute_input" in m and "shell.execute_reply" in m:
        a, b = t(m["iopub.execute_input"]), t(m["shell.execute_reply"])
        kind = c["metadata"].get("latency", "?")
        cells.setdefault(kind, []).append(b - a)
        runs = [(s, e) for s, e in rustc if a <= s <= b]
        if len(runs) == 1:  # one rustc of the cell crate: before it, it, after it
            s, e = runs[0]
            splits.setdefault(kind, []).append((s - a, e - s, b - e))
row = {"bench": "notebook-latency", "implementation": "mammo", "variant": variant,
       "build_dir": label, "seconds": round(ms / 1000, 1)}
for kind, ds in cells.items():
    row[f"{kind}_cell_s"] = round(statistics.median(ds), 2)
row["trivial_cells_s"] = [round(d, 2) for d in cells.get("trivial", [])]
if splits.get("trivial"):
    row["trivial_split_s"] = [round(statistics.median(p[i] for p in splits["trivial"]), 3)
                              for i in range(3)]
print(json.dumps(row))
PY
}
if [ "$COLD" = 1 ]; then
  cold="$(mktemp -d)"
  MAMMO_EVCXR_DIR="$cold" measure cold mammo
  rm -rf "$cold"
fi
# The first warm run also recompiles `mammo` when the library changed since the kernel last built
# it (minutes on a fresh change); the second is the everyday latency.
measure "warm, 1st run" mammo
measure "warm, 2nd run" mammo
if [ "$FLOOR" = 1 ]; then
  measure "warm" no-prelude
  measure "warm" bare
fi
