"""Export torchvision's ImageNet weights of VGG16 and InceptionV3 for mammo's frozen backbones.

Run it once, on a machine with internet access (torchvision downloads the weights from its own
servers, about 650 MB for both):

    python -m venv /tmp/tv
    /tmp/tv/bin/pip install torch torchvision safetensors numpy
    /tmp/tv/bin/python scripts/export_torchvision_weights.py            # writes data/weights/
    /tmp/tv/bin/python scripts/export_torchvision_weights.py --out DIR  # elsewhere

Packages needed: torch, torchvision (0.26 was used to write mammo's backbones; any release with
the `weights=` API, 0.13 or later, has the same state_dict names), safetensors, numpy. The CPU
build of torch is enough.

It writes the complete state_dicts, as float32 contiguous tensors with torchvision's names:

    data/weights/vgg16.safetensors         VGG16_Weights.IMAGENET1K_V1  (features.* and classifier.*)
    data/weights/inception_v3.safetensors  Inception_V3_Weights.IMAGENET1K_V1  (Conv2d_*, Mixed_*,
                                           AuxLogits.*, fc.*, batch-norm running statistics)

mammo reads them with `mammo::backbones::{Vgg16, InceptionV3}::load_safetensors`, which ignores
the classifier, fc, AuxLogits and num_batches_tracked tensors. Without these files the backbones
keep random weights (and say so). The files are large and git-ignored: do not commit them.
InceptionV3's ImageNet weights expect torchvision's transform_input=True, which mammo's
InceptionV3 applies (see mammo::backbones::inception_transform_input).
"""
import argparse
from pathlib import Path

import torch
import torchvision
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parents[1]


def state_dict_f32(model: torch.nn.Module) -> dict:
    out = {}
    for name, t in model.state_dict().items():
        t = t.detach().cpu()
        if t.is_floating_point():
            t = t.to(torch.float32)
        out[name] = t.contiguous().clone()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "weights", help="output folder")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    models = torchvision.models
    jobs = [
        ("vgg16.safetensors", lambda: models.vgg16(weights=models.VGG16_Weights.IMAGENET1K_V1)),
        (
            "inception_v3.safetensors",
            lambda: models.inception_v3(weights=models.Inception_V3_Weights.IMAGENET1K_V1),
        ),
    ]
    for file_name, build in jobs:
        model = build().eval()
        sd = state_dict_f32(model)
        path = args.out / file_name
        meta = {"source": f"torchvision {torchvision.__version__}", "weights": "IMAGENET1K_V1"}
        save_file(sd, str(path), metadata=meta)
        n = sum(t.numel() for t in sd.values())
        print(f"wrote {path} ({len(sd)} tensors, {n:,} values, {path.stat().st_size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
