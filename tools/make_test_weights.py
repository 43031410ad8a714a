"""Writes one set of seeded random VGG weights in every convention gradcam4j meets, for tests.

Files written to --out (all hold the same parameters):
  reference.h5     gradcam4j model file, written straight from the generated canonical arrays
                   (Keras preprocessing); the ground truth the others are compared with
  keras_new.h5     Keras weights, new-style names (<layer>/kernel:0), full (fc layers included)
  keras_old.h5     Keras weights, old-style names (<layer>_W_1:0), full
  keras_notop.h5   Keras weights, old-style names, conv blocks only
  keras_model.h5   Keras full-model file (weights under model_weights), new-style names
  torchvision.pth  torchvision-keyed state dict (features.N / classifier.N)
  weights.npy      tensorflow-vgg style pickled dict conv1_1 .. fc8 -> [W, b]

usage: /usr/bin/python3 tools/make_test_weights.py --out DIR [--arch narrow16] [--seed 0]
"""
import argparse
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg_layouts as V  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--arch", default="narrow16", choices=sorted(V.SPECS),
                    help="network (default narrow16; vgg16/vgg19 write full-size files of ~0.5 GB each)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    import numpy as np
    import torch
    s = V.spec(a.arch)
    os.makedirs(a.out, exist_ok=True)
    p = V.random_params(s, a.seed)
    out = lambda name: os.path.join(a.out, name)  # noqa: E731

    V.write_canonical_h5(out("reference.h5"), p, s, V.KERAS_PREPROCESSING,
                         source=f"make_test_weights.py {s.name} seed {a.seed}")
    kp = V.keras_from_canonical(p, s)
    V.write_keras_h5(out("keras_new.h5"), kp, s, style="new")
    V.write_keras_h5(out("keras_old.h5"), kp, s, style="old")
    V.write_keras_h5(out("keras_notop.h5"), kp, s, style="old", top=False)
    V.write_keras_h5(out("keras_model.h5"), kp, s, style="new", full_model=True)
    torch.save(V.torchvision_from_canonical(p, s), out("torchvision.pth"))
    names = V.npy_names(s)
    np.save(out("weights.npy"), {names[layer]: [k, b] for layer, (k, b) in kp.items()}, allow_pickle=True)
    print(f"wrote {s.name} seed {a.seed} weights to {a.out}")


if __name__ == "__main__":
    main()
