"""Converts a torchvision VGG16/VGG19 state dict (.pth) into a gradcam4j model file.

torchvision already stores kernels in the canonical layout (conv (cout, cin, kh, kw); fc (out, in)
with (c, h, w) inputs), so this is a renaming plus the metadata: RGB input scaled to 0..1 and
normalised with torchvision's ImageNet mean and std, and the synset.txt class list.

usage: /usr/bin/python3 tools/convert_torchvision.py IN.pth OUT.h5 --arch vgg16|vgg19
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg_layouts as V  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="torchvision state dict (.pth), or a checkpoint dict with a 'state_dict' entry")
    ap.add_argument("output", help="gradcam4j model file to write (.h5)")
    ap.add_argument("--arch", required=True, choices=sorted(V.SPECS), help="network (narrow* are test networks)")
    a = ap.parse_args(argv)

    import torch
    s = V.spec(a.arch)
    sd = torch.load(a.input, map_location="cpu")
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        raise SystemExit(f"{a.input}: expected a state dict, found {type(sd).__name__}")
    p = V.canonical_from_torchvision(sd, s)
    V.write_canonical_h5(a.output, p, s, V.TORCHVISION_PREPROCESSING,
                         source=f"torchvision state dict {os.path.basename(a.input)}")
    print(f"wrote {a.output}: {s.name}, {len(p)} weighted layers, torchvision preprocessing (RGB, /255, mean/std)")


if __name__ == "__main__":
    main()
