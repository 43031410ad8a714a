#!/usr/bin/env python3
"""Reference tensors for the backend parity tests, computed by PyTorch in float64.

Builds a VGG-topology network (VGG16, VGG19 or a narrow test variant) with seeded random weights,
writes them as a Keras-layout HDF5 file and as a torchvision state dict converted by
tools/convert_torchvision.py, and writes the reference outputs the Java tests compare
against: logits, the target layer's activation, the gradient of class logits w.r.t. the target layer
and w.r.t. the input under each ReLU backward rule, and weight gradients of one conv and one fc layer.

float64 is used so the reference carries no float32 rounding of its own: the tests then measure our
float32 error alone. Run with Debian's python3 (python3-torch, python3-h5py):

    python3 tools/ref_vgg.py --arch vgg16 --out target/ref/vgg16
"""
import argparse
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg_layouts as V  # noqa: E402
import ref_cam_math as CM  # noqa: E402

def layer_table(arch):
    """The network's layers in order, from the shared spec in vgg_layouts (the Java layer table's twin)."""
    s = V.spec(arch)
    layers = []
    for b, n in enumerate(s.convs_per_block):
        layers += [dict(name=nm, kind="conv", cin=ci, cout=co, relu=True)
                   for nm, ci, co in s.conv_layers() if nm.startswith(f"block{b + 1}_")]
        layers.append(dict(name=f"block{b + 1}_pool", kind="pool"))
    for nm, fin, fout in s.fc_layers():
        layers.append(dict(name=nm, kind="fc", cin=fin, cout=fout, relu=nm != "predictions"))
    return layers


def make_weights(arch, seed):
    """Seeded He-normal float32 parameters (vgg_layouts.random_params), as float64 tensors."""
    return {k: (torch.from_numpy(w).double(), torch.from_numpy(b).double())
            for k, (w, b) in V.random_params(V.spec(arch), seed).items()}


def write_weight_files(arch, seed, out, converted=True):
    """The same parameters as a Keras-layout file and as a torchvision state dict converted by the
    project's converter: the Java tests load both and must find identical parameters. converted=False:
    the Keras file only (for references whose tests load nothing else: at full size the torchvision
    file and its conversion write another 1.1 GB)."""
    s = V.spec(arch)
    p = V.random_params(s, seed)
    V.write_keras_h5(os.path.join(out, "keras.h5"), V.keras_from_canonical(p, s), s, style="new", top=True)
    if not converted:
        return
    pth = os.path.join(out, "torchvision.pth")
    torch.save(V.torchvision_from_canonical(p, s), pth)
    import convert_torchvision
    convert_torchvision.main([pth, os.path.join(out, "converted.h5"), "--arch", arch])
    os.remove(pth)


class Rule(torch.autograd.Function):
    """ReLU whose backward follows one of the three rules of docs/ALGORITHMS.md section 4."""

    @staticmethod
    def forward(ctx, x, rule):
        y = x.clamp(min=0)
        ctx.save_for_backward(y)
        ctx.rule = rule
        return y

    @staticmethod
    def backward(ctx, r):
        (y,) = ctx.saved_tensors
        if ctx.rule == "gradient":
            return r * (y > 0).to(r.dtype), None
        if ctx.rule == "guided":
            return r.clamp(min=0) * (y > 0).to(r.dtype), None
        if ctx.rule == "deconvnet":
            return r.clamp(min=0), None
        raise ValueError(ctx.rule)


def forward(arch, params, x, rule, keep):
    """Runs the net; returns logits and the outputs of the layers named in keep (after ReLU)."""
    acts = {}
    h = x
    for l in layer_table(arch):
        if l["kind"] == "conv":
            k, b = params[l["name"]]
            h = Rule.apply(F.conv2d(h, k, b, padding=1), rule)
        elif l["kind"] == "pool":
            h = F.max_pool2d(h, 2, 2)
        else:
            if h.dim() == 4:
                h = h.reshape(h.shape[0], -1)  # (c, h, w) flattening, the canonical fc1 order
            k, b = params[l["name"]]
            h = F.linear(h, k, b)
            if l["relu"]:
                h = Rule.apply(h, rule)
        if l["name"] in keep:
            if h.requires_grad:
                h.retain_grad()
            acts[l["name"]] = h
    return h, acts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", choices=sorted(V.SPECS), required=True)
    ap.add_argument("--out", required=True, help="output directory (keras.h5, converted.h5, ref.h5)")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--target", default=None, help="target layer (default: last conv)")
    ap.add_argument("--conv-wgrad", default="block4_conv1")
    ap.add_argument("--fc-wgrad", default="fc2")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)

    arch = args.arch
    size, ncls = V.spec(arch).input_size, V.spec(arch).num_classes
    table = layer_table(arch)
    convs = [l["name"] for l in table if l["kind"] == "conv"]
    target = args.target or convs[-1]
    params = make_weights(arch, args.seed)
    os.makedirs(args.out, exist_ok=True)

    write_weight_files(arch, args.seed, args.out)

    g = torch.Generator().manual_seed(args.seed + 1)
    n = args.batch
    # inputs on the scale of Keras-preprocessed pixels divided by 64: O(1) values of both signs
    x = (torch.rand(n, 3, size, size, generator=g, dtype=torch.float64) * 4 - 2).float().double()
    # seeds: one class per image plus a second class for image 0 (several seeds per image in one batch)
    image_of = list(range(n)) + [0]
    classes = [(37 * i + 5) % ncls for i in range(n)] + [(ncls // 2 + 3) % ncls]
    m = len(image_of)

    out = {"input": x, "image_of": np.array(image_of, np.int32), "classes": np.array(classes, np.int32)}
    with torch.no_grad():
        logits, acts = forward(arch, params, x, "gradient", {target})
    out["logits"] = logits
    out[f"act/{target}"] = acts[target]

    # per-seed gradients: replicate each seed's image so every row is its own sample
    xs = x[image_of].clone()
    torch_err = {}
    for rule in ("gradient", "guided", "deconvnet"):
        xi = xs.clone().requires_grad_(True)
        lo, acts = forward(arch, params, xi, rule, {target})
        score = lo[torch.arange(m), torch.tensor(classes)].sum()
        score.backward()
        out[f"grad/{target}/{rule}"] = acts[target].grad
        out[f"grad/input/{rule}"] = xi.grad
        # PyTorch's own float32 error on the same gradient: max-pool windows whose top two values are
        # closer than float32 rounding pick a different argmax than float64 and reroute gradient, so
        # at full size no float32 implementation can match float64 input gradients to 1e-4.
        p32 = {k: (w.float(), b.float()) for k, (w, b) in params.items()}
        x32 = xs.float().clone().requires_grad_(True)
        lo32, acts32 = forward(arch, p32, x32, rule, {target})
        lo32[torch.arange(m), torch.tensor(classes)].sum().backward()
        for key, got in ((f"grad/{target}/{rule}", acts32[target].grad), (f"grad/input/{rule}", x32.grad)):
            ref = out[key]
            torch_err[key] = float((got.double() - ref).norm() / ref.norm())
        # the same per seed: a near tie usually touches one seed, whose own error is then larger than the whole's
        for r in range(m):
            ref = out[f"grad/input/{rule}"][r]
            torch_err[f"grad/input/{rule}/seed{r}"] = float((x32.grad[r].double() - ref).norm() / ref.norm())

    # weight gradients (summed over seeds) of one conv and one fc layer, plain gradient rule
    p2 = {k: (w.clone().requires_grad_(True), b.clone().requires_grad_(True)) for k, (w, b) in params.items()}
    lo, _ = forward(arch, p2, xs, "gradient", set())
    lo[torch.arange(m), torch.tensor(classes)].sum().backward()
    for layer in (args.conv_wgrad, args.fc_wgrad):
        out[f"wgrad/{layer}/kernel"] = p2[layer][0].grad
        out[f"wgrad/{layer}/bias"] = p2[layer][1].grad
    # PyTorch's own float32 error on the same weight gradients (max-pool near-ties below the layer's
    # output reroute gradient exactly as for input gradients)
    p3 = {k: (w.float().clone().requires_grad_(True), b.float().clone().requires_grad_(True)) for k, (w, b) in params.items()}
    lo, _ = forward(arch, p3, xs.float(), "gradient", set())
    lo[torch.arange(m), torch.tensor(classes)].sum().backward()
    for layer in (args.conv_wgrad, args.fc_wgrad):
        for j, part in enumerate(("kernel", "bias")):
            ref = out[f"wgrad/{layer}/{part}"]
            torch_err[f"wgrad/{layer}/{part}"] = float((p3[layer][j].grad.double() - ref).norm() / ref.norm())

    # every explanation method of the facade, from the same activations and gradients (docs/ALGORITHMS.md
    # sections 3-4; formulas in ref_cam_math.py, written independently of the Java code)
    size = V.spec(arch).input_size
    cams = CM.cam_family(out[f"act/{target}"], out[f"grad/{target}/gradient"], None, image_of, classes)
    for token, (w, layer_map) in cams.items():
        if w is not None:
            out[f"methods/{token}/weights"] = w
        out[f"methods/{token}/layer_map"] = layer_map
        out[f"methods/{token}/map"] = CM.normalise_by_max(CM.resize(layer_map, (size, size)))
    # gradients are delivered in RGB order; the reference networks take BGR (Keras convention)
    for token, rule in (("vanilla", "gradient"), ("guided", "guided"), ("deconvnet", "deconvnet")):
        out[f"methods/{token}/grad"] = out[f"grad/input/{rule}"].flip(1)
    for token, cam in (("guided-gradcam", "gradcam"), ("guided-gradcampp", "gradcampp")):
        out[f"methods/{token}/map"] = out["methods/guided/grad"] * out[f"methods/{cam}/map"][:, None]

    with h5py.File(os.path.join(args.out, "ref.h5"), "w") as f:
        f.attrs["arch"] = arch
        f.attrs["target"] = target
        f.attrs["conv_wgrad"] = args.conv_wgrad
        f.attrs["fc_wgrad"] = args.fc_wgrad
        for k, v in torch_err.items():
            f.attrs["torch_f32_err/" + k] = v
        for k, v in out.items():
            a = v.detach().numpy() if torch.is_tensor(v) else v
            f.create_dataset(k, data=a.astype(np.float32) if a.dtype == np.float64 else a)
    print(f"wrote {args.out}: target {target}, {m} seeds, logits range {logits.min():.3f}..{logits.max():.3f}")


if __name__ == "__main__":
    main()
