"""Checks the layout conversions by what they mean, not by their index formulas.

A plain-torch VGG (torchvision's module layout, NCHW) loaded with torchvision-keyed weights must
give the same logits as an independent NumPy forward pass in Keras's world (NHWC maps, conv
kernels (kh, kw, cin, cout), fc1 fed the (h, w, c) flattening) run on keras_from_canonical of the
same weights; and canonical_from_keras must invert keras_from_canonical exactly. Float64
throughout, so the tolerance (1e-10 relative) only absorbs summation order.

usage: /usr/bin/python3 tools/check_layouts.py [--arch narrow16] [--seed 0]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg_layouts as V  # noqa: E402


def keras_forward(kp, s, x_hwc):
    import numpy as np
    x = x_hwc
    convs = iter(s.conv_layers())
    for n in s.convs_per_block:
        for _ in range(n):
            k, b = kp[next(convs)[0]]
            h, w, _ = x.shape
            xp = np.pad(x, ((1, 1), (1, 1), (0, 0)))
            y = np.zeros((h, w, k.shape[3]))
            for dy in range(3):
                for dx in range(3):
                    y += xp[dy:dy + h, dx:dx + w, :] @ k[dy, dx]
            x = np.maximum(y + b, 0)
        h, w, c = x.shape
        x = x.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))
    v = x.reshape(-1)  # Keras Flatten of an NHWC map: (h, w, c) order
    fcs = s.fc_layers()
    for i, (name, _, _) in enumerate(fcs):
        k, b = kp[name]
        v = v @ k + b
        if i < len(fcs) - 1:
            v = np.maximum(v, 0)
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="narrow16", choices=sorted(V.SPECS))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    import numpy as np
    import torch
    s = V.spec(a.arch)
    p = V.random_params(s, a.seed)
    kp = V.keras_from_canonical(p, s)
    back = V.canonical_from_keras(kp, s)
    for name in p:
        for i in range(2):
            if not np.array_equal(p[name][i], back[name][i]):
                raise SystemExit(f"FAIL: canonical -> keras -> canonical changed {name}")

    net = V.make_torch_vgg(s)
    net.load_state_dict(V.torchvision_from_canonical(p, s))
    net = net.double().eval()
    x = np.random.default_rng(a.seed + 1).standard_normal((s.input_size, s.input_size, 3))
    with torch.no_grad():
        ref = net(torch.from_numpy(x.transpose(2, 0, 1)[None].copy())).numpy()[0]
    kp64 = {n: (k.astype(np.float64), b.astype(np.float64)) for n, (k, b) in kp.items()}
    got = keras_forward(kp64, s, x)
    err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
    print(f"{s.name}: torchvision-layout forward vs Keras-layout forward, relative L2 {err:.3e}")
    if not err < 1e-10:
        raise SystemExit("FAIL: the layouts disagree")
    print("OK")


if __name__ == "__main__":
    main()
