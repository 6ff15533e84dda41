"""Write reports/index.html: one entry per exported notebook, with its title and key numbers.

Key numbers are the lines a notebook prints that start with "KEY " (see mammo::report::key),
read from the executed notebooks, so the index shows what this run produced. The verdicts on the
seed report's claims are the lines that start with "VERDICT " (mammo::findings):
`VERDICT <notebook>: <claim id>: <verdict>: <estimate>`, listed per notebook with their counts.
A notebook with a slide deck (<name>.slides.html, `make slides`) gets a link to it.
"""
import argparse, html, json, os, time
from pathlib import Path

ap = argparse.ArgumentParser()
ap.add_argument("--exec-dir", required=True)
ap.add_argument("--out", required=True)
a = ap.parse_args()
out = Path(a.out)
rows = []
# Verdict -> (text colour, background), in the order the counts are listed.
COLOURS = {"agrees": ("#1b5e20", "#e8f5e9"), "disagrees": ("#b71c1c", "#ffebee"),
           "undecided": ("#5d4037", "#fff8e1")}
GREY = ("#616161", "#f5f5f5")  # not run in this profile, not estimated


def parse_verdict(rest):
    """(claim id, verdict, estimate) of a VERDICT line's text after "VERDICT "."""
    parts = rest.split(": ", 3)
    if len(parts) == 4:
        return parts[1], parts[2], parts[3]
    return rest, "unreadable", ""


def verdict_html(verdicts):
    if not verdicts:
        return ""
    counts = {}
    for _, v, _ in verdicts:
        counts[v] = counts.get(v, 0) + 1
    order = list(COLOURS) + sorted(v for v in counts if v not in COLOURS)
    summary = ", ".join(f"{counts[v]} {v}" for v in order if v in counts)
    items = "".join(
        f'<li><code>{html.escape(c)}</code> <span class="verdict" style="color:{COLOURS.get(v, GREY)[0]};'
        f'background:{COLOURS.get(v, GREY)[1]}">{html.escape(v)}</span> <small>{html.escape(e)}</small></li>'
        for c, v, e in verdicts
    )
    return f'<div class="found">What this run found ({html.escape(summary)}):<ul>{items}</ul></div>'


for nb_path in sorted(Path(a.exec_dir).glob("*.ipynb")):
    name = nb_path.stem
    if not (out / f"{name}.html").exists():
        continue
    nb = json.loads(nb_path.read_text())
    title = name
    for c in nb.get("cells", []):
        if c.get("cell_type") == "markdown":
            for line in "".join(c.get("source", "")).splitlines():
                if line.startswith("# "):
                    title = line[2:].strip()
                    break
            break
    keys, verdicts, profile, skipped = [], [], None, []
    for c in nb.get("cells", []):
        for o in c.get("outputs", []):
            text = o.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith("KEY "):
                    keys.append(line[4:].strip())
                elif line.startswith("VERDICT "):
                    verdicts.append(parse_verdict(line[8:].strip()))
                elif line.startswith("skipped: "):
                    skipped.append(line[len("skipped: "):].strip())
                elif line.startswith("profile ") and profile is None:
                    profile = line.split()[-1]  # the environment cell's resolved profile
    rows.append((name, title, keys, time.ctime(nb_path.stat().st_mtime), profile, verdicts, skipped))


def skipped_html(skipped):
    """One line for the cells the data could not serve: how many, and the distinct reasons."""
    if not skipped:
        return ""
    reasons = list(dict.fromkeys(skipped))
    return (f'<div class="skipped"><small>{len(skipped)} cells skipped (the data cannot serve them): '
            + "; ".join(html.escape(r) for r in reasons) + "</small></div>")
profiles = sorted({r[4] for r in rows if r[4]}) or [os.environ.get("MAMMO_PROFILE", "default")]
items = "\n".join(
    f'<li><a href="{html.escape(n)}.html"><b>{html.escape(n)}</b> — {html.escape(t)}</a>'
    + (f' · <a href="{html.escape(n)}.slides.html">slides</a>' if (out / f"{n}.slides.html").exists() else "")
    + f'<br><small>executed {html.escape(m)}</small>'
    + ("<ul>" + "".join(f"<li><code>{html.escape(k)}</code></li>" for k in ks) + "</ul>" if ks else "")
    + skipped_html(sk)
    + verdict_html(vs)
    + "</li>"
    for n, t, ks, m, _, vs, sk in rows
)
page = f"""<!doctype html><html><head><meta charset="utf-8"><title>mammo reports</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}} li{{margin:0.8em 0}}
.found li{{margin:0.3em 0}} .verdict{{font-weight:bold;padding:0 4px}}</style></head>
<body><h1>mammo reports</h1>
<p>Executed notebooks (profile {html.escape(", ".join(profiles))}).</p>
<ul>{items}</ul></body></html>"""
tmp = out / f".index.html.{os.getpid()}.tmp"  # notebooks may finish at the same time
tmp.write_text(page)
os.replace(tmp, out / "index.html")
