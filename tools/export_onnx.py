#!/usr/bin/env python3
"""Exports a gradcam4j model file (weights/FORMAT.md) to ONNX with PyTorch's exporter, for the ONNX Runtime peer.

The network is the VGG topology of the file's architecture (convolutions with bias and ReLU, 2x2 max pools,
flatten in (c, h, w) order, fully-connected layers, logits without softmax), built as a torch.nn.Sequential
holding the file's canonical float32 parameters, and exported with a dynamic batch axis: input "input"
(N, 3, S, S), output "logits" (N, classes). `gradcam4j bench cpu --onnx` writes the same random weights our
rows use to a model file, calls this script once and caches the result.

    python3 tools/export_onnx.py MODEL.h5 OUT.onnx
"""
import argparse
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg_layouts as V  # noqa: E402


def build(s, params):
    """torch.nn.Sequential of the spec's layers with the canonical parameters copied in."""
    layers = []
    convs = s.conv_layers()
    i = 0
    for n in s.convs_per_block:
        for _ in range(n):
            name, cin, cout = convs[i]
            conv = nn.Conv2d(cin, cout, 3, padding=1)
            conv.weight.data.copy_(torch.from_numpy(params[name][0]))
            conv.bias.data.copy_(torch.from_numpy(params[name][1]))
            layers += [conv, nn.ReLU(inplace=True)]
            i += 1
        layers.append(nn.MaxPool2d(2, 2))
    layers.append(nn.Flatten())
    fcs = s.fc_layers()
    for j, (name, fin, fout) in enumerate(fcs):
        fc = nn.Linear(fin, fout)
        fc.weight.data.copy_(torch.from_numpy(params[name][0]))
        fc.bias.data.copy_(torch.from_numpy(params[name][1]))
        layers.append(fc)
        if j < len(fcs) - 1:
            layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers).eval()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="gradcam4j model file (canonical HDF5)")
    ap.add_argument("out", help="ONNX file to write (atomically)")
    ap.add_argument("--opset", type=int, default=13)
    args = ap.parse_args(argv)
    meta = V.read_canonical_h5(args.model)
    s = V.spec(meta["arch"])
    if s.name not in ("vgg16", "vgg19"):
        raise SystemExit(f"{args.model}: architecture {s.name} is not a full-size VGG")
    net = build(s, meta["params"])
    x = torch.zeros(1, 3, s.input_size, s.input_size)
    tmp = args.out + ".tmp"
    with torch.no_grad():
        torch.onnx.export(net, x, tmp, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=args.opset)
    os.replace(tmp, args.out)
    print(f"onnx {args.out} {s.name} torch {torch.__version__} opset {args.opset}")


if __name__ == "__main__":
    main()
