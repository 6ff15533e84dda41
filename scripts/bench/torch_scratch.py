"""PyTorch reference for `mammo bench`: the seed's scratch CNN, one training step (forward,
backward, Adam) on random 150x150 batches, and inference; prints images/s as JSON lines.

    python scripts/bench/torch_scratch.py --device cuda --batch-size 32 --steps 50
"""
import argparse, json, time
import torch
import torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--channels-last", action="store_true")
ap.add_argument("--amp", choices=["none", "bf16", "fp16"], default="none")
a = ap.parse_args()
dev = torch.device(a.device)
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

def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()

for _ in range(5):
    step()
sync()
t = time.perf_counter()
for _ in range(a.steps):
    step()
sync()
train = a.batch_size * a.steps / (time.perf_counter() - t)
with torch.no_grad():
    for _ in range(3):
        m(x)
    sync()
    t = time.perf_counter()
    for _ in range(a.steps):
        m(x)
    sync()
    infer = a.batch_size * a.steps / (time.perf_counter() - t)
print(json.dumps({"impl": "pytorch", "device": a.device, "batch_size": a.batch_size, "channels_last": a.channels_last, "amp": a.amp,
                  "train_images_per_s": round(train, 1), "infer_images_per_s": round(infer, 1), "torch": torch.__version__}))
