#!/usr/bin/env python3
"""Per-layer activations of a full-size VGG on a real photo in float64, and PyTorch float32's own error.

The reference for the CPU engine's accuracy guard (LayerErrorGuardTest): a VGG16/VGG19 with seeded
He-normal weights (vgg_layouts.random_params, written as a Keras-layout file the Java test loads) runs the
project's photo (224x224 RGB PNG, Keras preprocessing: BGR, ImageNet mean subtracted) once in float64 and
once in float32 through PyTorch's own CPU kernels. For every layer it stores the float64 activation (so the
test measures our float32 error alone) and PyTorch float32's relative L2 error against it, the bound the
test scales (Tolerances.LAYER_ERROR_VS_TORCH).

    python3 tools/ref_layer_errors.py --arch vgg19 --image photo.png --out target/ref/layers-vgg19
"""
import argparse
import os
import sys

import h5py
import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg_layouts as V  # noqa: E402
import ref_vgg  # noqa: E402


def keras_input(path, size):
    """The photo as a (1, 3, size, size) float32 batch: RGB -> BGR, Keras' ImageNet mean subtracted."""
    img = Image.open(path).convert("RGB")
    if img.size != (size, size):
        raise SystemExit(f"{path} is {img.size[0]}x{img.size[1]}, expected {size}x{size} (no resizing here)")
    rgb = np.asarray(img, dtype=np.float32)
    bgr = rgb[:, :, ::-1] - np.array(V.KERAS_MEAN_BGR, np.float32)
    return np.ascontiguousarray(bgr.transpose(2, 0, 1)[None]).astype(np.float32)


def run(arch, params, x):
    """Every layer's output (after ReLU where it has one), in the layer table's order: ref_vgg's forward, keeping all."""
    return ref_vgg.forward(arch, params, x, "gradient", {l["name"] for l in ref_vgg.layer_table(arch)})[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", choices=("vgg16", "vgg19"), required=True)
    ap.add_argument("--image", required=True, help="224x224 RGB photo")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", required=True, help="output directory (keras.h5, ref.h5)")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)

    s = V.spec(args.arch)
    p = V.random_params(s, args.seed)
    os.makedirs(args.out, exist_ok=True)
    V.write_keras_h5(os.path.join(args.out, "keras.h5"), V.keras_from_canonical(p, s), s, style="new", top=True)

    x = torch.from_numpy(keras_input(args.image, s.input_size))
    with torch.no_grad():
        ref = run(args.arch, {k: (torch.from_numpy(w).double(), torch.from_numpy(b).double()) for k, (w, b) in p.items()}, x.double())
        f32 = run(args.arch, {k: (torch.from_numpy(w), torch.from_numpy(b)) for k, (w, b) in p.items()}, x)
    with h5py.File(os.path.join(args.out, "ref.h5"), "w") as f:
        f["input"] = x.numpy()
        for name, r in ref.items():
            f[f"act/{name}"] = r.numpy()
            err = float((f32[name].double() - r).norm() / r.norm())
            f[f"torch32_err/{name}"] = np.array([err])
        f.attrs["torch"] = str(torch.__version__)


if __name__ == "__main__":
    main()
