#!/usr/bin/env python3
"""PyTorch peer for `gradcam4j bench cpu` (same thread count) and `gradcam4j bench cuda` (same GPU, cuDNN,
same precision): times the same work as our rows.

Rows (VGG16/VGG19 with random weights, batch B, 224x224):
  forward     torch.no_grad() forward
  truncated   Grad-CAM the efficient way: the layers below the target without autograd, the target
              activation made a leaf, then torch.autograd.grad(score, activation); parameters frozen
  full        Grad-CAM as pytorch-grad-cam runs it: parameters require grad, a hook keeps the target
              activation, loss.backward() computes every weight gradient too
  input       gradient w.r.t. the input (vanilla saliency), parameters frozen
  guided      guided backpropagation to the input, batched (guided ReLU backward), parameters frozen
  explain     the whole explain path as pytorch-grad-cam runs it: Grad-CAM, Grad-CAM++ and guided
              backprop for the top-3 classes, done the way that library does it (it cannot be installed
              on these machines, so its steps are reproduced here): per class, one CAM call per method
              (forward with hooks, model.zero_grad(), loss.backward() with parameter gradients, activations
              and gradients copied to numpy, weights/maps/min-max scaling/resize on the host), and guided
              backprop per image and class with a guided ReLU model on single images, as its
              GuidedBackpropReLUModel does.
Prints one line per row: `row <name> <median seconds> <all seconds comma separated>`; on CUDA also
`peak <name> <bytes>` (torch.cuda.max_memory_allocated during that row). --precision fp32 turns TF32 off for
cuDNN convolutions and matmuls (torch.backends.cudnn.allow_tf32 / torch.backends.cuda.matmul.allow_tf32), tf32
turns it on, so both sides do the same arithmetic.
"""
import argparse
import contextlib
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ref_vgg import layer_table  # noqa: E402


class GuidedRelu(torch.autograd.Function):
    """ReLU whose backward passes only positive gradients where the input was positive."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.clamp(min=0) * (x > 0).to(g.dtype)


def host_cam(act, grad, plus_plus, size):
    """pytorch-grad-cam's host-side step: numpy weights, weighted sum, ReLU, min-max scaling, resize."""
    a = act.detach().cpu().numpy()
    g = grad.detach().cpu().numpy()
    if plus_plus:
        g2, g3 = g ** 2, g ** 3
        s = np.sum(a, axis=(2, 3))
        den = 2 * g2 + s[:, :, None, None] * g3
        den = np.where(g != 0, den, np.ones_like(den))
        alpha = g2 / den
        w = np.sum(np.maximum(g, 0) * alpha, axis=(2, 3))
    else:
        w = np.mean(g, axis=(2, 3))
    cam = np.maximum((w[:, :, None, None] * a).sum(axis=1), 0)
    out = []
    for c in cam:
        c = c - c.min()
        c = c / (1e-7 + c.max())
        t = torch.from_numpy(c)[None, None].float()
        out.append(F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)[0, 0].numpy())
    return np.stack(out)


class Vgg(nn.Module):
    """The layer table as an nn.Module with ordinary nn.ReLU / MaxPool2d (what users of PyTorch run)."""

    def __init__(self, arch):
        super().__init__()
        self.table = layer_table(arch)
        self.mods = nn.ModuleDict()
        for l in self.table:
            if l["kind"] == "conv":
                self.mods[l["name"]] = nn.Conv2d(l["cin"], l["cout"], 3, padding=1)
            elif l["kind"] == "fc":
                self.mods[l["name"]] = nn.Linear(l["cin"], l["cout"])

    guided = False  # when set, every ReLU backpropagates with the guided rule

    def relu(self, x):
        return GuidedRelu.apply(x) if self.guided else F.relu(x)

    def forward(self, x, target=None, cut=False):
        """cut=True runs the layers up to the target without autograd and makes the target activation a
        leaf that requires grad: the cheapest way to get dScore/dA in PyTorch."""
        kept = None
        grad_ctx = torch.no_grad() if cut else contextlib.nullcontext()
        grad_ctx.__enter__()
        for l in self.table:
            if l["kind"] == "conv":
                x = self.relu(self.mods[l["name"]](x))
            elif l["kind"] == "pool":
                x = F.max_pool2d(x, 2, 2)
            else:
                if x.dim() == 4:
                    x = torch.flatten(x, 1)
                x = self.mods[l["name"]](x)
                if l["relu"]:
                    x = self.relu(x)
            if l["name"] == target:
                if cut:
                    grad_ctx.__exit__(None, None, None)
                    x = x.detach().requires_grad_(True)
                kept = x
        return x, kept


def timeit(fn, reps, warmup, sync=lambda: None):
    for _ in range(warmup):
        fn()
    sync()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t0)
    return ts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="vgg16", choices=["vgg16", "vgg19"])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rows", default="forward,truncated,full,input")
    ap.add_argument("--topk", type=int, default=3, help="classes per image for the explain row")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32"], help="CUDA only")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    cuda = args.device == "cuda"
    if cuda:
        tf32 = args.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = True
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    net = Vgg(args.arch).eval().to(dev)
    target = [l["name"] for l in net.table if l["kind"] == "conv"][-1]
    x = torch.randn(args.batch, 3, 224, 224, device=dev)
    cls = torch.arange(args.batch, device=dev) % 1000
    idx = torch.arange(args.batch, device=dev)

    def freeze(flag):
        for p in net.parameters():
            p.requires_grad_(flag)

    def forward():
        with torch.no_grad():
            net(x)

    def truncated():
        logits, act = net(x, target, cut=True)
        (g,) = torch.autograd.grad(logits[idx, cls].sum(), act)
        return g

    def full():
        net.zero_grad(set_to_none=True)
        logits, act = net(x, target)
        act.retain_grad()
        logits[idx, cls].sum().backward()
        return act.grad

    def input_grad():
        xi = x.clone().requires_grad_(True)
        logits, _ = net(xi)
        (g,) = torch.autograd.grad(logits[idx, cls].sum(), xi)
        return g

    def guided():
        net.guided = True
        try:
            return input_grad()
        finally:
            net.guided = False

    def explain():
        with torch.no_grad():
            top = net(x)[0].topk(args.topk, dim=1).indices
        for k in range(args.topk):
            cls_k = top[:, k]
            for plus in (False, True):
                kept = {}
                net.zero_grad(set_to_none=True)
                logits, act = net(x, target)
                act.register_hook(lambda g: kept.__setitem__("g", g))
                logits[idx, cls_k].sum().backward(retain_graph=True)
                host_cam(act, kept["g"], plus, 224)
            net.guided = True
            try:
                for i in range(args.batch):
                    xi = x[i:i + 1].clone().requires_grad_(True)
                    out, _ = net(xi)
                    out[0, int(cls_k[i])].backward(retain_graph=True)
                    xi.grad.cpu().numpy()[0].transpose(1, 2, 0)
            finally:
                net.guided = False

    if cuda:
        print(f"torch {torch.__version__} cuda {torch.version.cuda} cudnn {torch.backends.cudnn.version()} "
              f"device {torch.cuda.get_device_name(0)} precision {args.precision}", flush=True)
    else:
        print(f"torch {torch.__version__} threads {torch.get_num_threads()} mkldnn {torch.backends.mkldnn.is_available()}", flush=True)
    rows = {"forward": (forward, False), "truncated": (truncated, False), "full": (full, True),
            "input": (input_grad, False), "guided": (guided, False), "explain": (explain, True)}
    for row in args.rows.split(","):
        if row not in rows:
            raise SystemExit(f"unknown row {row}")
        fn, params_need_grad = rows[row]
        freeze(params_need_grad)
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        ts = timeit(fn, args.reps, args.warmup, sync)
        print(f"row {row} {statistics.median(ts):.6f} {','.join(f'{t:.6f}' for t in ts)}", flush=True)
        if cuda:
            print(f"peak {row} {torch.cuda.max_memory_allocated()}", flush=True)


if __name__ == "__main__":
    main()
