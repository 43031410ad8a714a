"""PyTorch peer for `gradcam4j bench methods`: the forward-heavy methods the way PyTorch users run them, on a VGG
with random weights, one 224x224 image, its top class, the thread count given.

Rows:
  scorecam-<B>  pytorch-grad-cam's ScoreCAM with batch_size B (its default is 16), from a checkout of
                pytorch-grad-cam named by --pytorch-grad-cam or GRADCAM4J_PYTORCH_GRAD_CAM (the library is not
                packaged for these machines); skipped with a line saying so when there is none. Its imports of
                optional packages that Debian's PyTorch lacks (ttach, cv2, matplotlib, scipy, torchvision,
                sklearn) are met with empty stand-in modules where missing: ScoreCAM uses none of them.
  ig-<B>        Integrated Gradients as an autograd loop: 50 Gauss-Legendre points from the black baseline,
                B points per forward + backward, weighted sum of the input gradients (Captum's default rule).
Prints `torch ...` once and `row <name> <median seconds> <all seconds comma separated>` per row.
"""
import argparse
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn

from bench_torch import Vgg, timeit


class Plain(nn.Module):
    """bench_torch's Vgg returning only the logits (what pytorch-grad-cam expects of a model)."""

    def __init__(self, arch, target):
        super().__init__()
        self.vgg = Vgg(arch)
        self.target = target
        self.hooked = nn.Identity()   # the target layer's output passes through this module

    def forward(self, x):
        h = x
        for l in self.vgg.table:
            if l["kind"] == "conv":
                h = torch.relu(self.vgg.mods[l["name"]](h))
            elif l["kind"] == "pool":
                h = torch.nn.functional.max_pool2d(h, 2, 2)
            else:
                h = h.reshape(h.shape[0], -1) if h.dim() == 4 else h
                h = self.vgg.mods[l["name"]](h)
                if l["relu"]:
                    h = torch.relu(h)
            if l["name"] == self.target:
                h = self.hooked(h)
        return h


def stand_ins():
    """Empty modules for pytorch-grad-cam's optional imports that are not installed."""
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__path__ = []
        for k, v in attrs.items():
            setattr(m, k, v)
        sys.modules.setdefault(name, m)
        return sys.modules[name]

    class Anything:
        def __init__(self, *a, **k):
            pass

    for name, attrs in (("ttach", {"Compose": Anything, "HorizontalFlip": Anything, "Multiply": Anything}),
                        ("cv2", {}), ("matplotlib", {}), ("matplotlib.pyplot", {}), ("matplotlib.lines", {"Line2D": Anything}),
                        ("scipy", {}), ("scipy.ndimage", {"zoom": None}), ("torchvision", {}),
                        ("torchvision.transforms", {"Compose": Anything, "Normalize": Anything, "ToTensor": Anything}),
                        ("sklearn", {}), ("sklearn.decomposition", {"KernelPCA": Anything}), ("tqdm", {"tqdm": lambda it, **k: it})):
        try:
            __import__(name)
        except ImportError:
            module(name, **attrs)


def pgc_package(path):
    """Makes `import pytorch_grad_cam.<module>` load from the checkout at path without running its __init__ (which
    imports every method and their optional dependencies), stand-ins in place for the optional imports."""
    stand_ins()
    pkg = types.ModuleType("pytorch_grad_cam")
    pkg.__path__ = [os.path.join(path, "pytorch_grad_cam")]
    sys.modules["pytorch_grad_cam"] = pkg


def load_score_cam(path):
    pgc_package(path)
    from pytorch_grad_cam.score_cam import ScoreCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    return ScoreCAM, ClassifierOutputTarget


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="vgg16", choices=["vgg16", "vgg19"])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--batches", default="16,64", help="ScoreCAM batch sizes and IG points per pass")
    ap.add_argument("--ig-steps", type=int, default=50)
    ap.add_argument("--rows", default="scorecam,ig")
    ap.add_argument("--pytorch-grad-cam", default=os.environ.get("GRADCAM4J_PYTORCH_GRAD_CAM"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print("torch", torch.__version__, "threads", torch.get_num_threads(), flush=True)
    torch.manual_seed(0)
    net0 = Vgg(args.arch)
    target = [l["name"] for l in net0.table if l["kind"] == "conv"][-1]
    net = Plain(args.arch, target).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    x = torch.rand(1, 3, 224, 224) * 4 - 2
    with torch.no_grad():
        cls = int(net(x)[0].argmax())
    batches = [int(b) for b in args.batches.split(",")]

    rows = args.rows.split(",")
    if "scorecam" not in rows:
        pass
    elif args.pytorch_grad_cam and os.path.isdir(os.path.join(args.pytorch_grad_cam, "pytorch_grad_cam")):
        ScoreCAM, Target = load_score_cam(args.pytorch_grad_cam)
        for b in batches:
            cam = ScoreCAM(net, [net.hooked])
            cam.batch_size = b
            ts = timeit(lambda: cam(x, targets=[Target(cls)]), args.reps, 0)
            print("row scorecam-%d %.6f %s" % (b, float(np.median(ts)), ",".join("%.6f" % t for t in ts)), flush=True)
    else:
        print("no pytorch-grad-cam checkout (--pytorch-grad-cam or GRADCAM4J_PYTORCH_GRAD_CAM): ScoreCAM rows skipped", flush=True)

    nodes, w = np.polynomial.legendre.leggauss(args.ig_steps)
    alphas, weights = 0.5 * (nodes + 1), torch.tensor(0.5 * w, dtype=torch.float32)
    mean = torch.tensor([103.939, 116.779, 123.68])[:, None, None]
    baseline = (-mean).expand_as(x[0])[None]

    def ig(b):
        total = torch.zeros_like(x)
        for s in range(0, len(alphas), b):
            a = torch.tensor(alphas[s:s + b], dtype=torch.float32)[:, None, None, None]
            pts = (baseline + a * (x - baseline)).requires_grad_(True)
            (g,) = torch.autograd.grad(net(pts)[:, cls].sum(), pts)
            total += (weights[s:s + b, None, None, None] * g).sum(dim=0, keepdim=True)
        return (x - baseline) * total

    for b in batches if "ig" in rows else []:
        ts = timeit(lambda: ig(b), args.reps, 0)
        print("row ig-%d %.6f %s" % (b, float(np.median(ts)), ",".join("%.6f" % t for t in ts)), flush=True)


if __name__ == "__main__":
    main()
