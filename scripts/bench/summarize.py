"""Summarise `make bench` results (JSON lines) into the table docs/PERFORMANCE.md shows:
medians and spreads per implementation and mode, the ratios the performance targets name, and
the roofline fraction. Standard library only.

    python scripts/bench/summarize.py build/bench/results.jsonl
"""
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def spread(v):
    v = [x for x in v if x is not None]
    return f"{min(v):.1f}-{max(v):.1f}" if len(v) > 1 else ""


def mode(r):
    m = "channels-last" if r.get("channels_last") else "NCHW"
    mb = f" micro {r['micro_batch']}" if r.get("micro_batch") else ""
    return f"{m} {r.get('precision', 'fp32')}{mb}"


groups = {}
for r in rows:
    if r.get("bench") in ("scratch", "vgg16-features", "inception-v3-features"):
        key = (r["bench"], r["batch_size"], r["implementation"], mode(r))
        groups.setdefault(key, []).append(r)

print(f"\n{'model':<22}{'batch':>6}  {'implementation':<16}{'mode':<20}{'train img/s':>12}{'spread':>14}{'infer img/s':>13}{'spread':>16}")
best = {}
for (bench, bs, impl, md), rs in sorted(groups.items()):
    tr = med([r.get("train_images_per_s") for r in rs])
    inf = med([r.get("infer_images_per_s") for r in rs])
    trs = f"{tr:.1f}" if tr else "-"
    print(f"{bench:<22}{bs:>6}  {impl:<16}{md:<20}{trs:>12}{spread([r.get('train_images_per_s') for r in rs]):>14}"
          f"{inf:>13.1f}{spread([r.get('infer_images_per_s') for r in rs]):>16}")
    if tr:
        b = best.setdefault((bench, bs, impl), (0, ""))
        if tr > b[0]:
            best[(bench, bs, impl)] = (tr, md)

print("\ntargets (training throughput, best mode of each side, same run):")
for (bench, bs, impl), (tr, md) in sorted(best.items()):
    if impl != "mammo":
        continue
    for other, need in (("pytorch", 1.0), ("pytorch+malloc", 1.0), ("keras", 1.2)):
        o = best.get((bench, bs, other))
        if o:
            ratio = tr / o[0]
            print(f"  batch {bs}: mammo {tr:.1f} ({md}) / {other} {o[0]:.1f} ({o[1]}) = {ratio:.2f}x  "
                  f"(target >= {need}x: {'met' if ratio >= need else 'NOT met'})")

npy = {}
for r in rows:
    if r.get("bench") == "npy-load":
        npy.setdefault(r["implementation"], []).append(r["seconds"])
if "mammo" in npy and "numpy" in npy:
    m, n = med(npy["mammo"]), med(npy["numpy"])
    print(f"\n.npy load: mammo {m:.3f} s, numpy.load {n:.3f} s -> {n / m:.2f}x numpy's speed "
          f"(target: no slower: {'met' if m <= n * 1.05 else 'NOT met'})")

roof = {}
for r in rows:
    if r.get("bench") == "roofline":
        roof.setdefault(r.get("implementation", "mammo"), []).append(r)
if "mammo" in roof:
    g = med([r["gemm_gflops"] for r in roof["mammo"]])
    gpi = roof["mammo"][0]["train_gflop_per_image"]
    limit = g / gpi
    line = f"\nroofline: float32 GEMM {g:.1f} GFLOP/s (mammo)"
    if "pytorch" in roof:
        line += f", {med([r['gemm_gflops'] for r in roof['pytorch']]):.1f} (PyTorch)"
    print(line + f"; {gpi:.3f} GFLOP per training image -> at most {limit:.1f} img/s in fp32")
    for bs in (32, 128):
        b = best.get(("scratch", bs, "mammo"))
        if b:
            print(f"  batch {bs}: mammo's best {b[0]:.1f} img/s = {100 * b[0] / limit:.0f}% of that limit ({b[1]})")

# Frozen backbone features (VGG16, InceptionV3): mammo's fastest mode against PyTorch float32
# eager (NCHW: target >= 1.5x) and against PyTorch's fastest mode (channels-last, or bf16
# autocast where measured: target >= 1.0x), and against the float32 GEMM rate (the roofline):
# 2 x multiply-adds per image, from mammo's JSON line.
feats = {}
for (bench, bs, impl, md), rs in groups.items():
    if bench.endswith("-features"):
        m = med([r.get("infer_images_per_s") for r in rs])
        feats.setdefault((bench, bs, impl), {})[md] = (m, rs)
for (bench, bs, impl), modes in sorted(feats.items()):
    if impl != "mammo":
        continue
    md, (m, rs) = max(modes.items(), key=lambda kv: kv[1][0])
    name = bench.removesuffix("-features")
    line = f"\n{name} features, batch {bs}: mammo {m:.1f} img/s ({md})"
    torch_modes = feats.get((bench, bs, "pytorch"), {})
    eager = torch_modes.get("NCHW fp32")
    if eager:
        ratio = m / eager[0]
        line += (f" / PyTorch float32 eager {eager[0]:.1f} = {ratio:.2f}x "
                 f"(target >= 1.5x: {'met' if ratio >= 1.5 else 'NOT met'})")
    print(line)
    if torch_modes:
        bmd, (bm, _) = max(torch_modes.items(), key=lambda kv: kv[1][0])
        ratio = m / bm
        bf16 = any("autocast" in k for k in torch_modes)
        print(f"  against PyTorch's fastest mode here, {bmd} {bm:.1f}: {ratio:.2f}x (target >= 1.0x: "
              f"{'met' if ratio >= 1.0 else 'NOT met'})" +
              ("" if bf16 else "; bf16 autocast not measured (no bf16 units: emulated)"))
    gpi = rs[0].get("gflop_per_image")
    if gpi and "mammo" in roof:
        g = med([r["gemm_gflops"] for r in roof["mammo"]])
        print(f"  {gpi:.3f} GFLOP per image: mammo runs at {m * gpi:.0f} GFLOP/s = "
              f"{100 * m * gpi / g:.0f}% of the float32 GEMM rate ({g:.1f}); that rate allows at most "
              f"{g / gpi:.1f} img/s" + (f", i.e. {g / gpi / eager[0]:.2f}x PyTorch float32 eager" if eager else ""))

for r in rows:
    if r.get("bench") == "data-path":
        mb = f", micro-batch {r['micro_batch']}" if r.get("micro_batch") else ", whole batches"
        mb += f", {r['precision']}" if r.get("precision") else ""
        print(f"\ndata path ({r['data']}{mb}): load {r['load_seconds']:.2f} s; one epoch of {r['epoch_images']} images "
              f"at {r['data_images_per_s']:.0f} img/s vs training {r['train_images_per_s']:.1f} img/s = "
              f"{r['ratio']:.0f}x (target >= 10x: {'met' if r['ratio'] >= 10 else 'NOT met'})")
        if r.get("peak_rss_bytes"):
            budget = 2 * r["dataset_bytes"] + r["model_bytes"]
            print(f"peak memory {r['peak_rss_bytes'] / 2**20:.0f} MiB; budget 2 x {r['dataset_bytes'] / 2**20:.0f} MiB data "
                  f"+ {r['model_bytes'] / 2**20:.0f} MiB model = {budget / 2**20:.0f} MiB -> {r['peak_over_budget']:.2f} "
                  f"(target <= 1: {'met' if r['peak_over_budget'] <= 1 else 'NOT met'})")

lat = [r for r in rows if r.get("bench") == "notebook-latency"]
if lat:
    label = lambda r: f"{r.get('variant', 'mammo')}, {r['build_dir']}"
    print("\nnotebook latency (whole notebook, kernel start included): " +
          ", ".join(f"{label(r)} {r['seconds']:.1f} s" for r in lat))
    for r in lat:
        split = r.get("trivial_split_s")
        split = (f" = {split[0]:.2f} s evcxr + cargo, {split[1]:.2f} s rustc (compile + link), "
                 f"{split[2]:.2f} s load + run") if split else ""
        if r.get("variant", "mammo") != "mammo":
            # The floor: the same cells without the prelude, or without any crate (`bare`).
            if "trivial_cell_s" in r:
                print(f"  {label(r)}: trivial cell {r['trivial_cell_s']:.2f} s median of "
                      f"{r['trivial_cells_s']}{split}")
            continue
        if "trivial_cell_s" in r:
            print(f"  {label(r)}: first :dep cell {r['dep_cell_s']:.2f} s (target <= 10 s: "
                  f"{'met' if r['dep_cell_s'] <= 10 else 'NOT met'}), trivial cell {r['trivial_cell_s']:.2f} s "
                  f"median of {r['trivial_cells_s']} (target <= 0.5 s: {'met' if r['trivial_cell_s'] <= 0.5 else 'NOT met'}){split}, "
                  f"first compiled cell {r.get('first_cell_s', float('nan')):.2f} s, environment cell {r.get('env_cell_s', float('nan')):.2f} s")
