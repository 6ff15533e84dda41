#!/usr/bin/env bash
# Execute mammo notebooks headless, one after the other, and export each to HTML.
#
#   scripts/run-notebooks.sh [--out DIR] [--exec-dir DIR] [--export-only] [--timeout S] [NOTEBOOK...]
#
# Default: every notebooks/*.ipynb in order, executed copies in build/executed/, HTML in reports/
# with an index.html. Sizes follow MAMMO_PROFILE (smoke|quick|full), data MAMMO_DATA.
# Exits non-zero at the first notebook with a failing cell, naming it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/reports"
EXEC="$ROOT/build/executed"
EXPORT_ONLY=0
TIMEOUT="${MAMMO_CELL_TIMEOUT:-5400}"
NBS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2;;
    --exec-dir) EXEC="$2"; shift 2;;
    --export-only) EXPORT_ONLY=1; shift;;
    --timeout) TIMEOUT="$2"; shift 2;;
    -h|--help) sed -n '2,9p' "$0"; exit 0;;
    *) NBS+=("$1"); shift;;
  esac
done
[ ${#NBS[@]} -gt 0 ] || mapfile -t NBS < <(ls "$ROOT"/notebooks/[0-9]*.ipynb | sort)
JUPYTER="$ROOT/.venv/bin/jupyter"
[ -x "$JUPYTER" ] || { echo "run-notebooks: $JUPYTER not found: run 'make setup'" >&2; exit 1; }
export MAMMO_ROOT="$ROOT"
mkdir -p "$OUT" "$EXEC"
# Which tasks the notebooks' dataset (MAMMO_DATA, else data/synthetic) can train: cells tagged
# `needs:TASK` that it cannot serve are skipped with one line saying why (execute_notebook.py).
SUPPORT="$EXEC/.data-support.json"
if [ "$EXPORT_ONLY" = 0 ]; then
  MAMMO_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mammo"
  [ -x "$MAMMO_BIN" ] || (cd "$ROOT" && cargo build -q --bin mammo)
  if ! "$MAMMO_BIN" inspect --json --data "${MAMMO_DATA:-$ROOT/data/synthetic}" > "$SUPPORT.$$.tmp" 2> "$SUPPORT.$$.err"; then
    echo "run-notebooks: the dataset cannot be read:" >&2; cat "$SUPPORT.$$.err" >&2; exit 1
  fi
  mv "$SUPPORT.$$.tmp" "$SUPPORT"; rm -f "$SUPPORT.$$.err"
fi
for nb in "${NBS[@]}"; do
  name="$(basename "$nb" .ipynb)"
  src="$ROOT/notebooks/$name.ipynb"
  [ -f "$src" ] || { echo "run-notebooks: no notebook $src" >&2; exit 1; }
  if [ "$EXPORT_ONLY" = 0 ]; then
    echo "== executing $name (profile ${MAMMO_PROFILE:-default: quick on CPU, full on CUDA})"
    t0=$(date +%s)
    if ! "$ROOT/.venv/bin/python" "$ROOT/scripts/execute_notebook.py" "$src" "$EXEC/$name.ipynb" \
        --support "$SUPPORT" --timeout "$TIMEOUT" --startup-timeout 180; then
      echo "run-notebooks: FAILED: $name (a cell raised an error; see above)" >&2
      exit 1
    fi
    # A cell whose `?` returned an error prints it to stderr (evcxr does not mark the cell as
    # failed, so that the notebook's other variables survive); anything on stderr other than a
    # mammo NOTICE is such an error.
    if ! "$ROOT/.venv/bin/python" - "$EXEC/$name.ipynb" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
bad = []
for i, c in enumerate(nb["cells"]):
    for o in c.get("outputs", []):
        if o.get("name") == "stderr":
            lines = [l for l in "".join(o.get("text", [])).splitlines() if l.strip() and not l.startswith("NOTICE:")]
            bad += [f"cell {i}: {l}" for l in lines]
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
    then
      echo "run-notebooks: FAILED: $name (a cell returned an error; see above)" >&2
      exit 1
    fi
    echo "== $name executed in $(( $(date +%s) - t0 )) s"
  fi
  [ -f "$EXEC/$name.ipynb" ] || { echo "run-notebooks: $EXEC/$name.ipynb missing: run without --export-only first" >&2; exit 1; }
  "$JUPYTER" nbconvert --to html --log-level=WARN --output-dir "$OUT" "$EXEC/$name.ipynb"
done
"$ROOT/.venv/bin/python" "$ROOT/scripts/report_index.py" --exec-dir "$EXEC" --out "$OUT"
echo "reports: $OUT/index.html"
