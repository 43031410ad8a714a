#!/usr/bin/env python3
"""Reference outputs for gradcam4j's CAM math (docs/ALGORITHMS.md section 3), computed with PyTorch.

Usage:  /usr/bin/python3 tools/ref_cam_math.py OUT.npz

Writes seeded random target-layer activations A (N x C x h x w, after ReLU) and gradients g (M x C x h x w),
the seed-to-image map, a linear head for CAM, and for every CAM method <token>:
  <token>.weights  (M x C)  channel weights (absent for hirescam, layercam, eigencam and eigengradcam)
  <token>.maps     (M x h x w) layer maps
  <token>.up       (M x 224 x 224) the maps upsampled with F.interpolate(bilinear, align_corners=False)
  <token>.norm     (M x 224 x 224) the upsampled maps divided by their maximum (negatives to 0, empty maps 0)
  <token>.up_odd   (M x 23 x 31) and <token>.down (M x 5 x 3): the same resize to a non-integer ratio and
                   downwards (no antialias), as checks of the interpolation alone
The formulas are written here from the text of docs/ALGORITHMS.md, independently of the Java code, and evaluated in
float64 from the float32 inputs; resizing runs in float32, as torch does for float maps. Never edit the output
by hand: rerun the script.
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 4242
N, C, H, W = 2, 16, 7, 7
IMAGE_OF = [0, 1, 1]          # M = 3 seeds over N = 2 images; image 1 explained twice
CLASSES = [3, 0, 4]           # CAM: the class of each seed
NUM_CLASSES = 5
GRADCAM_PP_EPS = 1e-6
XGRADCAM_EPS = 1e-7
SIZES = {"up": (224, 224), "up_odd": (23, 31), "down": (5, 3)}
METHODS = ["gradcam", "gradcampp", "gradcampp-official", "cam", "hirescam", "xgradcam", "layercam",
           "counterfactual", "eigencam", "eigengradcam"]


def make_inputs():
    gen = torch.Generator().manual_seed(SEED)
    m = len(IMAGE_OF)
    a = torch.relu(torch.randn(N, C, H, W, generator=gen))
    a[0, 1] = 0                                   # a dead channel: sum_ab A = 0
    g = 0.1 * torch.randn(m, C, H, W, generator=gen)
    g[torch.rand(m, C, H, W, generator=gen) < 0.2] = 0   # exact zeros: alpha = 0 there
    g[1, 2] = -g[1, 2].abs()                      # no positive gradient: official normaliser 0 -> 1
    g[2, 3] = 0                                   # an all-zero gradient channel
    lin = torch.randn(NUM_CLASSES, C, generator=gen)
    return a.float(), g.float(), lin.float()


def channel_weighted(a_m, w, relu=True):
    L = (w[:, :, None, None] * a_m).sum(dim=1)
    return torch.relu(L) if relu else L


def eigen_projection(x):
    """(M, C, h, w) float64 -> (M, h, w): each row as an (h w) x C matrix, centred per channel over positions,
    projected on its first right singular vector (torch.linalg.svd), sign flipped when |min| > |max|."""
    out = []
    for m in x:
        X = m.reshape(m.shape[0], -1).T
        X = X - X.mean(dim=0)
        _, _, vh = torch.linalg.svd(X, full_matrices=False)
        p = X @ vh[0]
        if p.min().abs() > p.max().abs():
            p = -p
        out.append(p.reshape(m.shape[1:]))
    return torch.stack(out)


def cam_family(a, g, lin, image_of=None, classes=None):
    """token -> (weights or None, maps), float64. lin=None leaves CAM out (networks without a GAP head)."""
    image_of = IMAGE_OF if image_of is None else image_of
    classes = CLASSES if classes is None else classes
    a_m = a.double()[torch.tensor(image_of)]      # the activation each seed row belongs to
    g = g.double()
    s = a_m.sum(dim=(2, 3), keepdim=True)         # sum_ab A^k per seed and channel
    g2, g3 = g ** 2, g ** 3
    out = {}

    w = g.mean(dim=(2, 3))
    out["gradcam"] = (w, channel_weighted(a_m, w))
    w = (-g).mean(dim=(2, 3))
    out["counterfactual"] = (w, channel_weighted(a_m, w))

    alpha = g2 / (2 * g2 + s * g3 + GRADCAM_PP_EPS)
    alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
    w = (alpha * torch.relu(g)).sum(dim=(2, 3))
    out["gradcampp"] = (w, channel_weighted(a_m, w))

    den = 2 * g2 + s * g3
    den = torch.where(den != 0, den, torch.ones_like(den))
    alpha = g2 / den
    norm = (alpha * (g > 0)).sum(dim=(2, 3), keepdim=True)
    norm = torch.where(norm != 0, norm, torch.ones_like(norm))
    alpha = alpha / norm
    w = (alpha * torch.relu(g)).sum(dim=(2, 3))
    out["gradcampp-official"] = (w, channel_weighted(a_m, w))

    w = (g * a_m).sum(dim=(2, 3)) / (a_m.sum(dim=(2, 3)) + XGRADCAM_EPS)
    out["xgradcam"] = (w, channel_weighted(a_m, w))

    out["hirescam"] = (None, torch.relu((g * a_m).sum(dim=1)))
    out["layercam"] = (None, torch.relu((torch.relu(g) * a_m).sum(dim=1)))
    out["eigencam"] = (None, torch.relu(eigen_projection(a_m)))
    out["eigengradcam"] = (None, torch.relu(eigen_projection(g * a_m)))

    if lin is not None:
        w = lin.double()[torch.tensor(classes)]
        out["cam"] = (w, channel_weighted(a_m, w, relu=False))
    return out


def resize(maps32, size):
    return F.interpolate(maps32[:, None], size=size, mode="bilinear", align_corners=False)[:, 0]


def normalise_by_max(up):
    mx = up.amax(dim=(1, 2), keepdim=True)
    safe = torch.where(mx > 0, mx, torch.ones_like(mx))
    return torch.where(mx > 0, torch.relu(up) / safe, torch.zeros_like(up))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ref_cam_math.py OUT.npz")
    torch.manual_seed(SEED)
    a, g, lin = make_inputs()
    arrays = {
        "activations": a.numpy(),
        "gradients": g.numpy(),
        "image_of": np.array(IMAGE_OF, dtype=np.int32),
        "classes": np.array(CLASSES, dtype=np.int32),
        "linear_weights": lin.numpy(),
    }
    for token, (w, maps) in cam_family(a, g, lin).items():
        assert token in METHODS
        if w is not None:
            arrays[token + ".weights"] = w.float().numpy()
        maps32 = maps.float()
        arrays[token + ".maps"] = maps32.numpy()
        up = resize(maps32, SIZES["up"])
        arrays[token + ".up"] = up.numpy()
        arrays[token + ".norm"] = normalise_by_max(up).numpy()
        arrays[token + ".up_odd"] = resize(maps32, SIZES["up_odd"]).numpy()
        arrays[token + ".down"] = resize(maps32, SIZES["down"]).numpy()
    # Eigen-CAM with more channels than positions (64 > 5 x 5), the shape of real target layers (512 > 14 x 14)
    gen = torch.Generator().manual_seed(SEED + 1)
    wide = torch.relu(torch.randn(2, 64, 5, 5, generator=gen)).float()
    arrays["wide.activations"] = wide.numpy()
    arrays["wide.eigencam"] = torch.relu(eigen_projection(wide.double())).float().numpy()
    for k, v in arrays.items():
        assert np.all(np.isfinite(v)), k
    np.savez(sys.argv[1], **arrays)
    print("wrote %d arrays to %s (torch %s)" % (len(arrays), sys.argv[1], torch.__version__))


if __name__ == "__main__":
    main()
