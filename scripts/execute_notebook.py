"""Execute one mammo notebook headless (nbclient), skipping the cells its data cannot run.

    execute_notebook.py IN.ipynb OUT.ipynb --support SUPPORT.json [--timeout S] [--startup-timeout S]

A code cell tagged `needs:TASK` (mass-calc, benign-malignant, siamese, four-class, labels) or
`needs:pairs` runs only when the dataset can serve it: SUPPORT.json is `mammo inspect --json` of
the dataset (its `kind` and, per task, `supported` and `reason`). A skipped cell keeps its code
and gets one output line, `skipped: <reason>`, so the report says what was left out and why.
Everything else is what `jupyter nbconvert --execute` does: the kernel is `rust`, cells run in
the notebook's folder, outputs are stored in OUT.
"""
import argparse
import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def skip_reasons(support):
    """needs-tag -> why the dataset cannot serve it (absent when it can)."""
    why = {}
    for t in support.get("tasks", []):
        if not t.get("supported"):
            why[t["task"]] = t.get("reason") or f"the dataset cannot train the {t['task']} task"
    if support.get("kind") != "pairs":
        why["pairs"] = "this cell shows the course's (baseline, abnormality) pairs; this dataset holds labelled images"
    return why


class SkippingClient(NotebookClient):
    def __init__(self, nb, why, **kw):
        super().__init__(nb, **kw)
        self.why = why
        self.skipped = 0

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type == "code":
            needs = [t[len("needs:"):] for t in cell.metadata.get("tags", []) if t.startswith("needs:")]
            reasons = [self.why[n] for n in needs if n in self.why]
            if reasons:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"skipped: {reasons[0]}\n")]
                cell.execution_count = None
                self.skipped += 1
                return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--support", required=True)
    ap.add_argument("--timeout", type=int, default=5400)
    ap.add_argument("--startup-timeout", type=int, default=180)
    a = ap.parse_args()
    support = json.loads(Path(a.support).read_text())
    nb = nbformat.read(a.src, as_version=4)
    client = SkippingClient(
        nb,
        skip_reasons(support),
        timeout=a.timeout,
        startup_timeout=a.startup_timeout,
        kernel_name="rust",
        resources={"metadata": {"path": str(Path(a.src).resolve().parent)}},
    )
    client.execute()
    tmp = Path(a.dst).with_suffix(".ipynb.tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(a.dst)
    if client.skipped:
        print(f"{Path(a.src).stem}: {client.skipped} cells skipped (the data cannot serve them)", file=sys.stderr)


if __name__ == "__main__":
    main()
