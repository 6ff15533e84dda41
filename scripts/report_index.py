"""Write reports/index.html: one entry per exported notebook, with its title and key numbers.

Key numbers are the lines a notebook prints that start with "KEY " (see mammo::report::key),
read from the executed notebooks, so the index shows what this run produced.
"""
import argparse, html, json, os, time
from pathlib import Path

ap = argparse.ArgumentParser()
ap.add_argument("--exec-dir", required=True)
ap.add_argument("--out", required=True)
a = ap.parse_args()
out = Path(a.out)
rows = []
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
    keys, profile = [], None
    for c in nb.get("cells", []):
        for o in c.get("outputs", []):
            text = o.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith("KEY "):
                    keys.append(line[4:].strip())
                elif line.startswith("profile ") and profile is None:
                    profile = line.split()[-1]  # the environment cell's resolved profile
    rows.append((name, title, keys, time.ctime(nb_path.stat().st_mtime), profile))
profiles = sorted({r[4] for r in rows if r[4]}) or [os.environ.get("MAMMO_PROFILE", "default")]
items = "\n".join(
    f'<li><a href="{html.escape(n)}.html"><b>{html.escape(n)}</b> — {html.escape(t)}</a>'
    f'<br><small>executed {html.escape(m)}</small>'
    + ("<ul>" + "".join(f"<li><code>{html.escape(k)}</code></li>" for k in ks) + "</ul>" if ks else "")
    + "</li>"
    for n, t, ks, m, _ in rows
)
page = f"""<!doctype html><html><head><meta charset="utf-8"><title>mammo reports</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}} li{{margin:0.8em 0}}</style></head>
<body><h1>mammo reports</h1>
<p>Executed notebooks (profile {html.escape(", ".join(profiles))}).</p>
<ul>{items}</ul></body></html>"""
tmp = out / f".index.html.{os.getpid()}.tmp"  # notebooks may finish at the same time
tmp.write_text(page)
os.replace(tmp, out / "index.html")
