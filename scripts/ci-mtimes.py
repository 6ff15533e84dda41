#!/usr/bin/env python3
"""Content-based build freshness for CI's clean clones.

Cargo (and the evcxr kernel, which runs cargo) decides whether a crate must be rebuilt from file
modification times. A fresh `git clone` gives every file the current time, so even with the
build caches kept under ~/.cache/mammo every CI run would recompile mammo, mammo-cli and all test
binaries (~3 min on 2 cores) although not a byte changed.

    ci-mtimes.py record  MANIFEST CACHE_DIR...   after a run: remember each tracked file's
                                                 content hash and modification time
    ci-mtimes.py restore MANIFEST CACHE_DIR...   before a run: give every tracked file whose
                                                 content is unchanged its recorded time back

Why this is safe: a recorded time is the time at which that content first appeared in a clone,
so every build output made from other content is either older than it (made before) or made
from content whose own time is newer. A changed file is never touched and keeps the clone's
(newest) time, so everything that depends on it is rebuilt. The one way this could go wrong is a
build into the same caches from other content that the manifest never saw (say `make test` in
another clone with the same MAMMO_CACHE); so `restore` first checks that no mammo build output
under CACHE_DIR is newer than the manifest, and otherwise restores nothing (a full rebuild:
slower, never wrong). `restore` deletes the manifest it read, so a run that dies half-way leaves
none behind. Files are listed by `git ls-files` in the current directory.
"""
import hashlib
import json
import os
import subprocess
import sys
import time

# Build outputs whose timestamps tell that the caches were built (cargo fingerprints, including
# those of the evcxr kernel's build dirs).
OUTPUT_PREFIXES = ("mammo",)


def tracked_files():
    out = subprocess.run(
        ["git", "ls-files", "-z"], check=True, capture_output=True
    ).stdout.decode()
    return [p for p in out.split("\0") if p and os.path.isfile(p) and not os.path.islink(p)]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def newest_output(cache_dirs):
    """Newest modification time (seconds) of a mammo fingerprint under the cache dirs."""
    newest = 0.0
    for root in cache_dirs:
        for dirpath, dirnames, _ in os.walk(root):
            if os.path.basename(dirpath) == ".fingerprint":
                for d in dirnames:
                    if d.startswith(OUTPUT_PREFIXES):
                        full = os.path.join(dirpath, d)
                        for name in os.listdir(full):
                            try:
                                newest = max(newest, os.stat(os.path.join(full, name)).st_mtime)
                            except OSError:
                                pass
                dirnames[:] = []  # nothing to look at below a fingerprint dir
            elif os.path.basename(dirpath) in ("incremental", "build", "examples", "src"):
                dirnames[:] = []  # cargo's and evcxr's trees that hold no fingerprints
    return newest


def record(manifest, _cache_dirs):
    files = {}
    for p in tracked_files():
        st = os.stat(p)
        files[p] = [sha256(p), st.st_mtime_ns]
    data = {"written": time.time(), "files": files}
    tmp = f"{manifest}.tmp-{os.getpid()}"
    os.makedirs(os.path.dirname(os.path.abspath(manifest)), exist_ok=True)
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, manifest)
    print(f"[ci] recorded content and times of {len(files)} files in {manifest}")


def restore(manifest, cache_dirs):
    try:
        with open(manifest) as f:
            data = json.load(f)
    except FileNotFoundError:
        print("[ci] no build-time manifest: everything changed is rebuilt")
        return
    except (OSError, ValueError) as e:
        print(f"[ci] unreadable manifest {manifest} ({e}): ignored")
        os.remove(manifest)
        return
    os.remove(manifest)
    written = float(data.get("written", 0))
    newest = newest_output(cache_dirs)
    if newest > written:
        print(
            "[ci] the build caches were written after the manifest (a build outside CI): "
            "restoring no times, everything changed is rebuilt"
        )
        return
    recorded = data.get("files", {})
    same = changed = 0
    for p in tracked_files():
        entry = recorded.get(p)
        if entry and sha256(p) == entry[0]:
            os.utime(p, ns=(entry[1], entry[1]))
            same += 1
        else:
            changed += 1
    print(f"[ci] {same} files unchanged since the last run keep their times; {changed} changed or new")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("record", "restore"):
        sys.exit(__doc__)
    (record if argv[1] == "record" else restore)(argv[2], argv[3:])


if __name__ == "__main__":
    main(sys.argv)
