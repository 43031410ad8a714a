#!/usr/bin/env python3
"""pytorch-grad-cam's own ScoreCAM, AblationCAM, EigenCAM and EigenGradCAM on a seeded random VGG of
tools/ref_vgg.py, for the Java test PytorchGradCamParityTest (which runs only where a checkout is named).

Usage:  /usr/bin/python3 tools/ref_pgc.py --pgc PATH/TO/pytorch-grad-cam --arch narrow16 --out DIR

pytorch-grad-cam is not part of this repository and is not installed: PATH names a checkout of it. Its package
__init__ is bypassed and the optional imports these four classes do not use (ttach, sklearn, ... where missing) are
met with stand-in modules (tools/bench_methods_torch.py). The network is a torch.nn.Module whose target layers are
identity modules after the (post-ReLU) layer outputs, the way a pytorch-grad-cam user hooks a VGG; it runs in
float64 (pytorch-grad-cam itself rounds Score-CAM's and Ablation-CAM's scores to float32, as it always does) and,
with --f32, once more in float32 as users run it, to record pytorch-grad-cam's own float32 error. Classes named in
--float32-only run in float32 only, and that run is their reference.

Writes DIR/keras.h5 (the network, as ref_vgg.py writes it) and DIR/ref.h5: `input` (N x 3 x S x S, BGR,
preprocessed), `image_of`, `classes` (one row per (image, class) seed; pytorch-grad-cam gets one input row per seed)
and, per class run (--classes: scorecam, ablationcam, eigencam, eigengradcam by default):
  pgc/<name>/weights     (M x C)   what get_cam_weights returned (Score-CAM, Ablation-CAM)
  pgc/<name>/cam         (M x h x w) what get_cam_image returned (the layer map before pytorch-grad-cam's ReLU;
                                   for the Eigen classes the signed projection, sign as its SVD left it)
attributes: layer/<name> (the gradcam4j layer name), torch_f32_err/pgc/<name>/{weights,cam}/seed<r> with --f32.
"""
import argparse
import os
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_vgg as RV  # noqa: E402
import vgg_layouts as V  # noqa: E402
from bench_methods_torch import pgc_package  # noqa: E402
from ref_methods import reference_batch  # noqa: E402


class Hooked(nn.Module):
    """The seeded VGG as a module; `taps[name]` is an identity module applied to layer `name`'s output (after its
    ReLU), looked up at every call so that pytorch-grad-cam's AblationCAM can swap it for its ablation layer."""

    def __init__(self, arch, params, taps, cache_prefix=False):
        super().__init__()
        self.cache_prefix = cache_prefix
        self.cached = None   # (input row, the layers' output up to the first tap for it)
        self.arch = arch
        self.table = RV.layer_table(arch)
        names = sorted(params)
        self.weights = nn.ParameterList([nn.Parameter(t.clone()) for k in names for t in params[k]])   # as a user's model
        self.params = {k: (self.weights[2 * i], self.weights[2 * i + 1]) for i, k in enumerate(names)}
        self.taps = nn.ModuleDict({t: nn.Identity() for t in taps})

    def forward(self, x):
        h = x
        start = 0
        if self.cache_prefix and not torch.is_grad_enabled() and torch.equal(x, x[:1].expand_as(x)):
            # Every row is the same image, as in pytorch-grad-cam's AblationCAM (it repeats the input once per
            # ablated channel and swaps the tap for its ablation layer). The layers before the first tap do not
            # depend on the ablation: run them once for that row and repeat the result. The same function of x,
            # computed once instead of once per channel.
            first = min(i for i, l in enumerate(self.table) if l["name"] in self.taps)
            if self.cached is None or not torch.equal(self.cached[0], x[0]):
                self.cached = (x[0].clone(), self.layers(x[:1], 0, first + 1, taps=False))
            h = self.cached[1].repeat(x.shape[0], 1, 1, 1)
            if self.table[first]["name"] in self.taps:
                h = self.taps[self.table[first]["name"]](h)
            start = first + 1
        return self.layers(h, start, len(self.table))

    def layers(self, h, start, stop, taps=True):
        for l in self.table[start:stop]:
            if l["kind"] == "conv":
                k, b = self.params[l["name"]]
                h = torch.relu(F.conv2d(h, k, b, padding=1))
            elif l["kind"] == "pool":
                h = F.max_pool2d(h, 2, 2)
            else:
                h = h.reshape(h.shape[0], -1) if h.dim() == 4 else h
                k, b = self.params[l["name"]]
                h = F.linear(h, k, b)
                if l["relu"]:
                    h = torch.relu(h)
            if taps and l["name"] in self.taps:
                h = self.taps[l["name"]](h)
        return h


def run_pgc(classes_of, model, x, layers, classes, batch):
    """{name: (weights or None, cam)} from pytorch-grad-cam's classes, one input row per seed."""
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    out = {}
    for name, cls in classes_of.items():
        tap = model.taps[layers[name]]
        cam = cls(model, [tap])
        if name == "scorecam":
            cam.batch_size = batch
        if name == "ablationcam":
            cam.batch_size = batch
        got = {}
        weights_fn, image_fn = cam.get_cam_weights, cam.get_cam_image

        def weights(*a, **k):
            got["weights"] = np.array(weights_fn(*a, **k), dtype=np.float64)
            return got["weights"]

        def image(*a, **k):
            got["cam"] = np.array(image_fn(*a, **k), dtype=np.float64)
            return got["cam"]

        cam.get_cam_weights, cam.get_cam_image = weights, image
        t0 = time.perf_counter()
        cam(input_tensor=x, targets=[ClassifierOutputTarget(c) for c in classes])
        print("  pytorch-grad-cam %s (%s): %.1f s" % (name, x.dtype, time.perf_counter() - t0), flush=True)
        out[name] = (got.get("weights"), got["cam"])
        cam.activations_and_grads.release()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pgc", required=True, help="a checkout of pytorch-grad-cam")
    ap.add_argument("--arch", choices=sorted(V.SPECS), required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--one-seed", action="store_true", help="one class per image (default: a second class for image 0)")
    ap.add_argument("--perturb-layer", default=None,
                    help="Score-CAM's and Ablation-CAM's target layer (default: the last conv; the Eigen classes use that)")
    ap.add_argument("--pgc-batch", type=int, default=16, help="ScoreCAM's and AblationCAM's batch_size")
    ap.add_argument("--f32", action="store_true", help="also run pytorch-grad-cam in float32 and record its error")
    ap.add_argument("--classes", default="scorecam,ablationcam,eigencam,eigengradcam",
                    help="which of pytorch-grad-cam's classes to run (comma-separated)")
    ap.add_argument("--float32-only", default="",
                    help="classes (comma-separated) run only in float32, as users run them, and not in float64 (needs --f32): "
                         "ScoreCAM at block5_conv3 is 512 full VGG16 forwards, over an hour in float64 on 2 shared cores")
    ap.add_argument("--cache-prefix", action="store_true",
                    help="run the layers before the target layer once per image in AblationCAM's forwards instead of "
                         "once per ablated channel (same result; pytorch-grad-cam's code is unchanged)")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    pgc_package(args.pgc)
    from pytorch_grad_cam.score_cam import ScoreCAM
    from pytorch_grad_cam.ablation_cam import AblationCAM
    from pytorch_grad_cam.eigen_cam import EigenCAM
    from pytorch_grad_cam.eigen_grad_cam import EigenGradCAM

    arch = args.arch
    last = [l["name"] for l in RV.layer_table(arch) if l["kind"] == "conv"][-1]
    perturb = args.perturb_layer or last
    layers = {"scorecam": perturb, "ablationcam": perturb, "eigencam": last, "eigengradcam": last}
    params, x, image_of, classes = reference_batch(arch, args.seed, args.batch, args.one_seed, args.out)   # as ref_methods.py
    xs = x[image_of]
    classes_of = {"scorecam": ScoreCAM, "ablationcam": AblationCAM, "eigencam": EigenCAM, "eigengradcam": EigenGradCAM}
    wanted = args.classes.split(",")
    unknown = [c for c in wanted if c not in classes_of]
    if unknown:
        ap.error("unknown --classes %s (known: %s)" % (",".join(unknown), ",".join(classes_of)))
    classes_of = {k: v for k, v in classes_of.items() if k in wanted}
    layers = {k: v for k, v in layers.items() if k in wanted}

    model = Hooked(arch, params, set(layers.values()), args.cache_prefix).eval()
    only32 = [c for c in args.float32_only.split(",") if c]
    if any(c not in classes_of for c in only32):
        ap.error("--float32-only names a class not run: %s" % args.float32_only)
    if only32 and not args.f32:
        ap.error("--float32-only needs --f32")
    got = run_pgc({k: v for k, v in classes_of.items() if k not in only32}, model, xs, layers, classes, args.pgc_batch)
    errs = {}
    if args.f32:
        p32 = {k: (w.float(), b.float()) for k, (w, b) in params.items()}
        got32 = run_pgc(classes_of, Hooked(arch, p32, set(layers.values()), args.cache_prefix).eval(), xs.float(), layers, classes, args.pgc_batch)
        for name in only32:   # the reference is pytorch-grad-cam's float32 run itself: no float32 error to record
            got[name] = got32[name]
        for name, (w, cam) in got.items():
            if name in only32:
                continue
            for part, a, a32 in (("weights", w, got32[name][0]), ("cam", cam, got32[name][1])):
                if a is None:
                    continue
                if name.startswith("eigen"):   # the SVD's sign is arbitrary: compare up to it
                    a32 = np.where(((a * a32).reshape(len(a), -1).sum(axis=1) < 0)[:, None, None], -a32, a32)
                for r in range(len(a)):
                    errs[f"pgc/{name}/{part}/seed{r}"] = float(np.linalg.norm(a32[r] - a[r]) / np.linalg.norm(a[r]))

    with h5py.File(os.path.join(args.out, "ref.h5"), "w") as f:
        f.attrs["arch"] = arch
        for name, l in layers.items():
            f.attrs["layer/" + name] = l
        for k, v in errs.items():
            f.attrs["torch_f32_err/" + k] = v
        f.create_dataset("input", data=x.numpy().astype(np.float32))
        f.create_dataset("image_of", data=np.array(image_of, np.int32))
        f.create_dataset("classes", data=np.array(classes, np.int32))
        for name, (w, cam) in got.items():
            if w is not None:
                f.create_dataset(f"pgc/{name}/weights", data=w.astype(np.float32))
            f.create_dataset(f"pgc/{name}/cam", data=cam.astype(np.float32))
    print("wrote %s: pytorch-grad-cam at %s, layers %s" % (args.out, args.pgc, layers))
    for k, v in errs.items():
        print("  pytorch-grad-cam float32 vs float64 %-36s %.2e" % (k, v))


if __name__ == "__main__":
    main()
