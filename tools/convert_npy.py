"""Converts a tensorflow-vgg style .npy weight dict (as used by the Grad-CAM++ seed) into a gradcam4j model file.

The .npy holds a pickled dict  name -> [W, b]  with names conv1_1 ... conv5_3 (conv5_4 for VGG19),
fc6, fc7, fc8; kernels are (kh, kw, cin, cout) and fc6's rows follow an (h, w, c) flattening:
the Keras layout. Input is BGR, 0..255, minus the Keras/Caffe means.

usage: /usr/bin/python3 tools/convert_npy.py IN.npy OUT.h5 --arch vgg16|vgg19
"""
import argparse
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg_layouts as V  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="pickled dict .npy (vgg16.npy / vgg19.npy)")
    ap.add_argument("output", help="gradcam4j model file to write (.h5)")
    ap.add_argument("--arch", required=True, choices=sorted(V.SPECS), help="network (narrow* are test networks)")
    a = ap.parse_args(argv)

    import numpy as np
    s = V.spec(a.arch)
    # the files were pickled by Python 2: latin1 keeps their byte strings readable
    d = np.load(a.input, allow_pickle=True, encoding="latin1")
    d = d.item() if d.dtype == object and d.ndim == 0 else d
    if not isinstance(d, dict):
        raise SystemExit(f"{a.input}: expected a pickled dict name -> [W, b]")
    kp = OrderedDict()
    for layer, key in V.npy_names(s).items():
        if key not in d:
            raise SystemExit(f"{a.input}: missing layer '{key}' ({layer}); is it a {s.name} file?")
        w, b = d[key][0], d[key][1]
        kp[layer] = (np.asarray(w, np.float32), np.asarray(b, np.float32))
    _check_keras_shapes(kp, s, a.input)
    p = V.canonical_from_keras(kp, s)
    V.write_canonical_h5(a.output, p, s, V.KERAS_PREPROCESSING, source=f"npy weight dict {os.path.basename(a.input)}")
    print(f"wrote {a.output}: {s.name}, {len(p)} weighted layers, Keras preprocessing (BGR, 0..255, minus means)")


def _check_keras_shapes(kp, s, path):
    want = {n: (3, 3, cin, cout) for n, cin, cout in s.conv_layers()}
    want.update({n: (fin, fout) for n, fin, fout in s.fc_layers()})
    for name, (k, b) in kp.items():
        if tuple(k.shape) != want[name] or b.shape != (want[name][-1],):
            raise SystemExit(f"{path}: wrong shape for {name}: kernel {k.shape} bias {b.shape}, "
                             f"expected {want[name]} (Keras layout)")


if __name__ == "__main__":
    main()
