"""PyTorch and NumPy references for `mammo bench` (see docs/PERFORMANCE.md); one JSON line each.

    python scripts/bench/torch_scratch.py --batch-size 32 --steps 30 [--channels-last] [--amp bf16]
        the seed's scratch CNN: one training step (forward, backward, Adam) and inference
    python scripts/bench/torch_scratch.py --what vgg16 --batch-size 32 --steps 10 [--channels-last] [--amp bf16]
        VGG16 convolutional features (frozen, no-grad) on 150x150 patches replicated to 3 channels
    python scripts/bench/torch_scratch.py --what inception-v3 ... (the same options)
        InceptionV3's features up to Mixed_7c (torchvision's model: needs torchvision)
    python scripts/bench/torch_scratch.py --what npy --npy data/synthetic/train_tensor.npy
        numpy.load of a .npy file (median of --steps reads)
    python scripts/bench/torch_scratch.py --what roofline
        torch.matmul float32 GFLOP/s on 2048x2048 matrices
"""
import argparse, json, os, statistics, time
import torch
import torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
ap.add_argument("--what", choices=["scratch", "vgg16", "inception-v3", "npy", "roofline"], default="scratch")
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--channels-last", action="store_true")
ap.add_argument("--amp", choices=["none", "bf16", "fp16"], default="none")
ap.add_argument("--npy", default="data/synthetic/train_tensor.npy")
a = ap.parse_args()
dev = torch.device(a.device)


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def rate(f, n_images, steps, warmup=3):
    for _ in range(warmup):
        f()
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        f()
    sync()
    return n_images * steps / (time.perf_counter() - t)


# Run with glibc's allocator set as mammo sets it (scripts/bench.sh does, for a second PyTorch
# row), the implementation is labelled pytorch+malloc.
IMPL = "pytorch+malloc" if os.environ.get("MALLOC_MMAP_THRESHOLD_") else "pytorch"


def emit(**kw):
    kw.update(implementation=IMPL, device=a.device, threads=torch.get_num_threads(), torch=torch.__version__)
    print(json.dumps(kw), flush=True)


if a.what == "npy":
    import numpy as np
    times = []
    for _ in range(max(a.steps, 1)):
        t = time.perf_counter()
        x = np.load(a.npy)
        times.append(time.perf_counter() - t)
    s = statistics.median(times)
    print(json.dumps({"bench": "npy-load", "implementation": "numpy", "numpy": np.__version__, "file": a.npy,
                      "bytes": x.nbytes, "seconds": round(s, 3), "megabytes_per_s": round(x.nbytes / 1e6 / s, 1)}))
elif a.what == "roofline":
    n = 2048
    x = torch.rand(n, n, device=dev)
    y = torch.rand(n, n, device=dev)
    per = rate(lambda: x @ y, 1, max(a.steps, 1))
    emit(bench="roofline", gemm_gflops=round(per * 2 * n ** 3 / 1e9, 1))
elif a.what in ("vgg16", "inception-v3"):
    # Frozen features of 150x150 grey patches replicated to 3 channels and ImageNet-normalised,
    # as mammo computes them; --channels-last and --amp bf16 give PyTorch's fast CPU modes.
    if a.what == "vgg16":
        cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
        layers, cin = [], 3
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=True)]
                cin = v
        m = nn.Sequential(*layers)
        assert sum(p.numel() for p in m.parameters()) == 14714688
    else:
        try:
            import torchvision
        except ImportError as e:
            raise SystemExit(f"--what inception-v3 needs torchvision 0.26 (and pillow): {e}")
        # torchvision's eval-mode forward up to Mixed_7c (transform_input on, as the ImageNet
        # model), without the pooling and classifier.
        inc = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False,
                                              transform_input=True)

        class Features(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(*[getattr(inc, n) for n in [
                    "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1",
                    "Conv2d_4a_3x3", "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a",
                    "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"]])

            def forward(self, x):
                return self.body(inc._transform_input(x))

        m = Features()
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    m = m.to(dev).eval().to(memory_format=fmt)
    mean = torch.tensor([0.485, 0.456, 0.406], device=dev).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=dev).view(1, 3, 1, 1)
    x = torch.rand(a.batch_size, 1, 150, 150, device=dev)
    amp = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(a.amp)

    def step():
        with torch.autocast(dev.type, dtype=amp, enabled=amp is not None):
            return m(((x.expand(-1, 3, -1, -1) - mean) / std).contiguous(memory_format=fmt)).float()

    with torch.no_grad():
        infer = rate(step, a.batch_size, a.steps)
    emit(bench=f"{a.what}-features", batch_size=a.batch_size, channels_last=a.channels_last,
         precision="fp32" if amp is None else f"{a.amp} autocast", train_images_per_s=None,
         infer_images_per_s=round(infer, 1))
else:
    m = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(6272, 512), nn.ReLU(), nn.Linear(512, 1),
    ).to(dev)
    assert sum(p.numel() for p in m.parameters()) == 3452545
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    m = m.to(memory_format=fmt)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    x = torch.rand(a.batch_size, 1, 150, 150, device=dev).to(memory_format=fmt)
    y = (torch.rand(a.batch_size, device=dev) > 0.5).float()
    lossf = nn.BCEWithLogitsLoss()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(a.amp)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
            loss = lossf(m(x).squeeze(1), y)
        loss.backward()
        opt.step()

    train = rate(step, a.batch_size, a.steps, warmup=5)
    with torch.no_grad(), torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
        infer = rate(lambda: m(x), a.batch_size, a.steps)
    emit(bench="scratch", batch_size=a.batch_size, channels_last=a.channels_last, precision=a.amp if dtype else "fp32",
         train_images_per_s=round(train, 1), infer_images_per_s=round(infer, 1))
