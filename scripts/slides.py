"""Turn executed notebooks into reveal.js slide decks beside the HTML reports (`make slides`).

    .venv/bin/python scripts/slides.py [--exec-dir build/executed] [--out reports]
                                       [--reveal auto|cdn] [NOTEBOOK...]

Each executed notebook (default: every build/executed/*.ipynb, written by `make demo` or
scripts/run-notebooks.sh) becomes OUT/<name>.slides.html. The slide structure is set on a copy of
the notebook in memory, never in the committed or executed files:

- a markdown cell that starts with a `#` or `##` heading starts a new slide (one per section);
- a markdown cell that starts with a `###` (or deeper) heading starts a vertical sub-slide;
- a code cell gets its own vertical sub-slide, with its output;
- other markdown (prose) appears as a fragment on the current slide, on the next click;
- evcxr set-up cells (only `:dep`/`:opt`... commands) and empty cells are skipped.

Offline: with `--reveal auto` (the default) the decks load reveal.js 4.0.2 (the version nbconvert's
template is written for), require.js and jQuery from OUT/reveal.js/, which is filled once from npm
tarballs (`npm pack`, checked against pinned sha512 sums, cached under
${MAMMO_CACHE:-~/.cache/mammo}/npm). When neither the cache nor npm can provide them, the decks
fall back to nbconvert's CDN defaults (they then need the network) and this says so. `--reveal cdn`
always uses the CDN.
"""
import argparse, base64, copy, hashlib, json, os, re, shutil, subprocess, sys, tarfile, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = "reveal.js"  # folder beside the decks, and the URL prefix the decks use
# (npm package, version, sha512 integrity as npm reports it)
PACKAGES = [
    ("reveal.js", "4.0.2",
     "sha512-LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw=="),
    ("requirejs", "2.1.10",
     "sha512-4JqdTihK3kOnT387LxCHuJZ/9QsKg2EIl7LmaW35PIyM4LwCI2jwyy4fy6pbY/ZZH2JoY/QEcb5PzULFPP6gcQ=="),
    ("jquery", "2.2.4",
     "sha512-lBHj60ezci2u1v2FqnZIraShGgEXq35qCzMv4lITyHGppTnA13rwR0MgwyNJh9TnDs3aXUvd1xjAotfraMHX/Q=="),
]
# What the deck loads from ASSETS, relative to it; present means the assets are installed.
NEEDED = ["dist/reveal.js", "dist/reveal.css", "dist/theme/simple.css", "plugin/notes/notes.js",
          "vendor/require.js", "vendor/jquery.min.js"]
# No MathJax offline (the notebooks have no formulas): a stub that keeps the template's
# slide-change handler quiet. Notebooks with `$...$` keep the CDN MathJax.
MATHJAX_STUB = ("data:text/javascript,window.MathJax={Hub:{Config:function(){},Queue:function(){},"
                "getAllJax:function(){return null},Rerender:function(){}}};")
MERMAID_STUB = "data:text/javascript,export default {initialize(){}};"


def note(msg):
    print(f"NOTE: {msg}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Slide structure

def _source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def slide_type(cell, previous):
    """The reveal.js slide type of a cell (`previous`: the last cell not skipped, or None)."""
    src = _source(cell)
    lines = [l for l in src.splitlines() if l.strip()]
    if not lines:
        return "skip"
    kind = cell.get("cell_type")
    if kind == "markdown":
        first = lines[0].lstrip()
        if re.match(r"#{1,2}(\s|$)", first):
            return "slide"
        if re.match(r"#{3,6}(\s|$)", first):
            return "subslide"
        return "fragment" if previous is not None else "slide"
    if kind == "code":
        if all(l.lstrip().startswith(":") for l in lines):
            return "skip"  # evcxr commands (:dep, :opt, ...): set-up, not content
        return "subslide" if previous is not None else "slide"
    return "skip"  # raw cells


def with_slide_types(nb):
    """A copy of the notebook (a dict) with every cell's `slideshow.slide_type` set."""
    nb = copy.deepcopy(nb)
    previous = None
    for cell in nb.get("cells", []):
        t = slide_type(cell, previous)
        cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = t
        if t != "skip":
            previous = cell
    return nb


def has_math(nb):
    return any(cell.get("cell_type") == "markdown" and re.search(r"\$[^$\n]+\$|\\\(|\\\[", _source(cell))
               for cell in nb.get("cells", []))


# ---------------------------------------------------------------------------------------------
# Offline reveal.js

def _integrity_ok(path, integrity):
    algo, _, want = integrity.partition("-")
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return base64.b64encode(h.digest()).decode() == want


def _tarball(cache, name, version, integrity):
    """The verified npm tarball of name@version from the cache, fetched with `npm pack` if needed."""
    path = cache / f"{name}-{version}.tgz"
    if path.is_file() and _integrity_ok(path, integrity):
        return path
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("npm is not installed and the cache has no copy")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        r = subprocess.run([npm, "pack", f"{name}@{version}", "--pack-destination", tmp],
                           capture_output=True, text=True, timeout=300)
        got = Path(tmp) / f"{name}-{version}.tgz"
        if r.returncode != 0 or not got.is_file():
            raise RuntimeError(f"npm pack {name}@{version} failed: {r.stderr.strip()[-300:]}")
        if not _integrity_ok(got, integrity):
            raise RuntimeError(f"{name}@{version}: the tarball does not match its pinned sha512")
        os.replace(got, path)
    return path


def _extract(tgz, members, dest):
    """Extract `package/<src>` to dest/<dst> for each (src prefix, dst prefix) in members."""
    with tarfile.open(tgz) as t:
        for m in t.getmembers():
            if not m.isfile() or m.name.endswith(".map"):
                continue
            rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
            for src, dst in members:
                if rel == src or rel.startswith(src.rstrip("/") + "/"):
                    out = dest / (dst + rel[len(src):])
                    out.parent.mkdir(parents=True, exist_ok=True)
                    f = t.extractfile(m)
                    if f is not None:
                        out.write_bytes(f.read())


def install_assets(out, cache):
    """Make sure OUT/reveal.js holds reveal.js, require.js and jQuery; True when it does."""
    dest = out / ASSETS
    if all((dest / p).is_file() for p in NEEDED):
        return True
    try:
        tgz = {name: _tarball(cache, name, v, i) for name, v, i in PACKAGES}
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        note(f"reveal.js could not be installed for offline use ({e}); the decks load it from "
             "the CDN (unpkg.com, cdnjs.cloudflare.com) and need the network")
        return False
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".reveal."))
    try:
        _extract(tgz["reveal.js"], [("dist/", "dist/"), ("plugin/", "plugin/"), ("LICENSE", "LICENSE")], tmp)
        _extract(tgz["requirejs"], [("require.js", "vendor/require.js")], tmp)
        _extract(tgz["jquery"], [("dist/jquery.min.js", "vendor/jquery.min.js"),
                                 ("LICENSE.txt", "vendor/jquery-LICENSE.txt")], tmp)
        missing = [p for p in NEEDED if not (tmp / p).is_file()]
        if missing:
            note(f"the reveal.js tarballs lack {missing}; the decks use the CDN")
            return False
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the decks may be served
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Export

def export(nb_path, out, offline):
    import nbformat
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    raw = json.loads(Path(nb_path).read_text())
    nb = nbformat.reads(json.dumps(with_slide_types(raw)), as_version=4)
    c = Config()
    c.SlidesExporter.reveal_scroll = True  # long outputs scroll inside their slide
    c.SlidesExporter.reveal_number = "c/t"
    if offline:
        c.SlidesExporter.reveal_url_prefix = ASSETS
        c.SlidesExporter.require_js_url = f"{ASSETS}/vendor/require.js"
        c.SlidesExporter.jquery_url = f"{ASSETS}/vendor/jquery.min.js"
        if has_math(raw):
            note(f"{Path(nb_path).stem} has formulas: its deck loads MathJax from the CDN")
        else:
            c.SlidesExporter.mathjax_url = MATHJAX_STUB
    exporter = SlidesExporter(config=c)
    if offline:
        exporter.mermaid_js_url = MERMAID_STUB  # not a configurable trait
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": Path(nb_path).stem}})
    dest = out / f"{Path(nb_path).stem}.slides.html"
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, dest)
    return dest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exec-dir", default=str(ROOT / "build" / "executed"))
    ap.add_argument("--out", default=str(ROOT / "reports"))
    ap.add_argument("--reveal", choices=["auto", "cdn"], default="auto")
    ap.add_argument("--cache", default=os.path.join(
        os.environ.get("MAMMO_CACHE") or os.path.expanduser("~/.cache/mammo"), "npm"))
    ap.add_argument("notebooks", nargs="*", help="names or paths (default: every executed notebook)")
    a = ap.parse_args(argv)
    exec_dir, out = Path(a.exec_dir), Path(a.out)
    if a.notebooks:
        paths = [Path(n) if n.endswith(".ipynb") and Path(n).is_file()
                 else exec_dir / f"{Path(n).stem}.ipynb" for n in a.notebooks]
    else:
        paths = sorted(exec_dir.glob("*.ipynb"))
    missing = [p for p in paths if not p.is_file()]
    if not paths or missing:
        print(f"slides: no executed notebook {', '.join(map(str, missing)) or 'in ' + str(exec_dir)}: "
              "run `make demo` (or scripts/run-notebooks.sh) first", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    offline = a.reveal == "auto" and install_assets(out, Path(a.cache))
    for p in paths:
        print(f"slides: {export(p, out, offline)}")
    if (out / "index.html").is_file():  # the reports' index links each deck
        subprocess.run([sys.executable, str(ROOT / "scripts" / "report_index.py"),
                        "--exec-dir", str(exec_dir), "--out", str(out)], check=False)
    print(f"slides: reveal.js {'from ' + str(out / ASSETS) + ' (offline)' if offline else 'from the CDN (needs the network)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
