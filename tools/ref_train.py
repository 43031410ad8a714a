#!/usr/bin/env python3
"""Reference optimizer steps for gradcam4j's trainer (org.gradcam4j.train), computed with PyTorch.

Usage:  /usr/bin/python3 tools/ref_train.py OUT.npz

Builds a tiny VGG-topology network with a CAM head, exactly as Architecture.custom("tiny", 8, [1, 1], [4, 6],
[], 5, GAP, 8) lays it out: block1_conv1 (3->4, 3x3 pad 1, ReLU), 2x2 max-pool, block2_conv1 (4->6, ReLU), no
pool after the last block, cam_conv (6->8, ReLU), global average pool, predictions (8->5, linear, no bias).
Seeded random parameters, a batch x (N x 3 x 8 x 8) and labels y; loss = mean softmax cross-entropy.
Writes, keys with '/' written as '.':
  init.<layer>.kernel / .bias   starting parameters (canonical layout = torch's)
  x, y                          the batch
  loss                          the loss at the starting parameters
  grad.<param>                  d loss / d param at the start
  sgd.<param>                   parameters after TWO torch.optim.SGD steps on the batch (lr, momentum, weight decay below)
  adam.<param>                  parameters after TWO torch.optim.Adam steps
Two steps so that the momentum buffer and Adam's moments and bias corrections are exercised. Never edit the output
by hand: rerun the script.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 2024
N = 4
SGD = dict(lr=0.1, momentum=0.9, weight_decay=1e-3)
ADAM = dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-3)
STEPS = 2


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1_conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.block2_conv1 = nn.Conv2d(4, 6, 3, padding=1)
        self.cam_conv = nn.Conv2d(6, 8, 3, padding=1)
        self.predictions = nn.Linear(8, 5, bias=False)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.block1_conv1(x)), 2)
        x = F.relu(self.block2_conv1(x))
        x = F.relu(self.cam_conv(x))
        return self.predictions(x.mean(dim=(2, 3)))


def named(model):
    out = {}
    for name, p in model.named_parameters():
        layer, kind = name.split(".")
        out[layer + "/" + ("kernel" if kind == "weight" else "bias")] = p
    return out


def main():
    out_path = sys.argv[1]
    torch.manual_seed(SEED)
    base = Tiny()
    with torch.no_grad():
        for p in base.parameters():
            p.normal_(0, 0.5)   # larger than default init so that every ReLU sees both signs
    gen = torch.Generator().manual_seed(SEED + 1)
    x = torch.randn(N, 3, 8, 8, generator=gen)
    y = torch.tensor([0, 3, 1, 3])
    arrays = {"x": x.numpy().astype(np.float32), "y": y.numpy().astype(np.int32)}
    for k, p in named(base).items():
        arrays["init." + k.replace("/", ".")] = p.detach().numpy().astype(np.float32)

    m = Tiny()
    m.load_state_dict(base.state_dict())
    loss = F.cross_entropy(m(x), y)
    loss.backward()
    arrays["loss"] = np.array([loss.item()], dtype=np.float32)
    for k, p in named(m).items():
        arrays["grad." + k.replace("/", ".")] = p.grad.numpy().astype(np.float32)

    for tag, make in (("sgd", lambda ps: torch.optim.SGD(ps, **SGD)), ("adam", lambda ps: torch.optim.Adam(ps, **ADAM))):
        m = Tiny()
        m.load_state_dict(base.state_dict())
        opt = make(m.parameters())
        for _ in range(STEPS):
            opt.zero_grad()
            F.cross_entropy(m(x), y).backward()
            opt.step()
        for k, p in named(m).items():
            arrays[tag + "." + k.replace("/", ".")] = p.detach().numpy().astype(np.float32)
    np.savez(out_path, **arrays)


if __name__ == "__main__":
    main()
