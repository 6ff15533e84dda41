#!/usr/bin/env bash
# Jupyter kernel launcher for mammo notebooks (the "rust" kernelspec in .venv points here).
#
# evcxr compiles the notebook's :dep crates (mammo, tch, polars, ...) into its build dir. A
# persistent build dir makes that a one-time cost, but two kernels must never share one. So each
# kernel takes the first free slot of a small pool of persistent build dirs, holding a lock on it
# for its lifetime: one notebook at a time (the usual case, and `make test`/`make demo`) always
# reuses slot 0; a second notebook open at the same time in JupyterLab gets slot 1, seeded from a
# copy of slot 0 so it does not start cold either.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
conn="${1:?usage: evcxr-kernel.sh CONNECTION_FILE}"
evcxr="${MAMMO_EVCXR:-evcxr_jupyter}"
base="${MAMMO_EVCXR_DIR:-${MAMMO_CACHE:-$HOME/.cache/mammo}/evcxr}"
mkdir -p "$base"
# evcxr loads each cell as a shared library linked against the toolchain's libstd-*.so and relies
# on a relative rpath to find it, which breaks when the build dir and the toolchain share a deep
# prefix (e.g. both under $HOME). Put the toolchain's lib dir on the loader path instead.
if sysroot="$(rustc --print sysroot 2>/dev/null)"; then
  host="$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')"
  export LD_LIBRARY_PATH="$sysroot/lib/rustlib/$host/lib:$sysroot/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
for i in 0 1 2 3 4 5 6 7; do
  exec {fd}>"$base/slot-$i.lock"
  if flock -n "$fd"; then
    dir="$base/slot-$i"
    if [ ! -d "$dir" ] && [ "$i" != 0 ] && [ -d "$base/slot-0" ]; then
      cp -a "$base/slot-0" "$dir.tmp-$$" 2>/dev/null && mv "$dir.tmp-$$" "$dir" || rm -rf "$dir.tmp-$$"
    fi
    mkdir -p "$dir"
    # Notebooks build with the workspace's exact dependency versions: cargo takes an existing
    # Cargo.lock as the resolve to keep, so the slot starts from the workspace's lock each time.
    if [ -f "$root/Cargo.lock" ]; then
      cp "$root/Cargo.lock" "$dir/Cargo.lock.tmp-$$" && mv "$dir/Cargo.lock.tmp-$$" "$dir/Cargo.lock"
    fi
    export EVCXR_TMPDIR="$dir"
    # The lock's file descriptor is inherited by evcxr, so the slot stays taken until it exits.
    exec "$evcxr" --control_file "$conn"
  fi
  exec {fd}>&-
done
echo "mammo kernel: all 8 build slots are busy; using a private temporary build dir (slow)" >&2
exec "$evcxr" --control_file "$conn"
