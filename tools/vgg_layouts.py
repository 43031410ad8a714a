"""VGG layer tables and weight layouts shared by the gradcam4j converters and test generators.

Three layouts of the same parameters:
  canonical   (gradcam4j): conv kernel (cout, cin, kh, kw); fc kernel (out, in), inputs in (c, h, w) order
  torchvision:             the canonical layout, under the keys features.N.weight / classifier.{0,3,6}.weight
  keras:                   conv kernel (kh, kw, cin, cout); fc kernel (in, out), fc1 inputs in (h, w, c) order

Canonical parameters are an ordered dict  layer name -> (kernel, bias)  with Keras layer names.
The canonical HDF5 file format is specified in weights/FORMAT.md; write_canonical_h5 and
read_canonical_h5 implement it (the Java side is org.gradcam4j.weights.CanonicalModelFile).

Run every tool with Debian's /usr/bin/python3 (torch, numpy, h5py).
"""
from collections import OrderedDict
from dataclasses import dataclass
import os

import numpy as np

FORMAT = "gradcam4j-model"
FORMAT_VERSION = 1

KERAS_MEAN_BGR = (103.939, 116.779, 123.68)
TORCHVISION_MEAN_RGB = (0.485, 0.456, 0.406)
TORCHVISION_STD_RGB = (0.229, 0.224, 0.225)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYNSET = os.path.join(REPO, "java", "src", "main", "resources", "org", "gradcam4j", "data", "synset.txt")


@dataclass(frozen=True)
class VggSpec:
    """A VGG-topology network with an fc head (the Java side's Architecture with Head.FC)."""
    name: str
    input_size: int
    convs_per_block: tuple
    widths: tuple
    fc_widths: tuple
    num_classes: int

    @property
    def final_size(self):
        return self.input_size >> len(self.convs_per_block)

    def conv_layers(self):
        """[(name, cin, cout)] in order."""
        out, cin = [], 3
        for b, (n, w) in enumerate(zip(self.convs_per_block, self.widths)):
            for k in range(n):
                out.append((f"block{b + 1}_conv{k + 1}", cin, w))
                cin = w
        return out

    def fc_layers(self):
        """[(name, in, out)] in order; fc1's input is the flattened final map."""
        names = [f"fc{i + 1}" for i in range(len(self.fc_widths))] + ["predictions"]
        outs = list(self.fc_widths) + [self.num_classes]
        ins = [self.widths[-1] * self.final_size ** 2] + outs[:-1]
        return list(zip(names, ins, outs))

    def weighted_layers(self):
        return [n for n, _, _ in self.conv_layers()] + [n for n, _, _ in self.fc_layers()]


SPECS = {
    "vgg16": VggSpec("vgg16", 224, (2, 2, 3, 3, 3), (64, 128, 256, 512, 512), (4096, 4096), 1000),
    "vgg19": VggSpec("vgg19", 224, (2, 2, 4, 4, 4), (64, 128, 256, 512, 512), (4096, 4096), 1000),
    # narrow test networks: VGG16/19 topology, tiny widths; input 64 leaves a 2x2 final map so that
    # fc1's (h, w, c) -> (c, h, w) reordering is exercised. Java tests build the same architectures.
    "narrow16": VggSpec("narrow16", 64, (2, 2, 3, 3, 3), (4, 8, 8, 16, 16), (32, 32), 10),
    "narrow19": VggSpec("narrow19", 64, (2, 2, 4, 4, 4), (4, 8, 8, 16, 16), (32, 32), 10),
}


def spec(name):
    try:
        return SPECS[name]
    except KeyError:
        raise SystemExit(f"unknown architecture '{name}' (expected one of {', '.join(SPECS)})")


# ---- the network in plain torch (torchvision's module layout, so state_dict keys match) --------------

def make_torch_vgg(s):
    import torch.nn as nn

    class Vgg(nn.Module):
        """torchvision's VGG structure: features (conv, ReLU, ..., maxpool), avgpool, classifier."""

        def __init__(self):
            super().__init__()
            layers, cin = [], 3
            for n, w in zip(s.convs_per_block, s.widths):
                for _ in range(n):
                    layers += [nn.Conv2d(cin, w, 3, padding=1), nn.ReLU(inplace=True)]
                    cin = w
                layers.append(nn.MaxPool2d(2, 2))
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((s.final_size, s.final_size))
            cls, fin = [], cin * s.final_size ** 2
            for w in s.fc_widths:
                cls += [nn.Linear(fin, w), nn.ReLU(inplace=True), nn.Dropout()]
                fin = w
            cls.append(nn.Linear(fin, s.num_classes))
            self.classifier = nn.Sequential(*cls)

        def forward(self, x):
            x = self.avgpool(self.features(x))
            return self.classifier(x.flatten(1))

    return Vgg()


def torchvision_keys(s):
    """Layer name -> (weight key, bias key) of torchvision's state dict."""
    keys, i = OrderedDict(), 0
    convs = iter(s.conv_layers())
    for n in s.convs_per_block:
        for _ in range(n):
            name = next(convs)[0]
            keys[name] = (f"features.{i}.weight", f"features.{i}.bias")
            i += 2
        i += 1  # max pool
    for j, (name, _, _) in enumerate(s.fc_layers()):
        keys[name] = (f"classifier.{3 * j}.weight", f"classifier.{3 * j}.bias")
    return keys


# ---- initialisation ----------------------------------------------------------------------------------

def random_params(s, seed):
    """Seeded He-normal kernels (std sqrt(2 / fan_in)) and small biases, canonical layout, float32.

    He scaling keeps the activation variance roughly constant through ReLU layers, so values stay
    O(1) through all 16 conv layers instead of vanishing or overflowing."""
    rng = np.random.default_rng(seed)
    p = OrderedDict()
    for name, cin, cout in s.conv_layers():
        k = rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))
        p[name] = (k.astype(np.float32), (0.01 * rng.standard_normal(cout)).astype(np.float32))
    for name, fin, fout in s.fc_layers():
        k = rng.standard_normal((fout, fin)) * np.sqrt(2.0 / fin)
        p[name] = (k.astype(np.float32), (0.01 * rng.standard_normal(fout)).astype(np.float32))
    return p


# ---- layout conversions ------------------------------------------------------------------------------

def canonical_from_torchvision(state_dict, s):
    """torchvision state dict (tensors or arrays) -> canonical params. Checks every key and shape."""
    sd = OrderedDict((k[len("module."):] if k.startswith("module.") else k, v) for k, v in state_dict.items())
    p = OrderedDict()
    for name, (wk, bk) in torchvision_keys(s).items():
        for key in (wk, bk):
            if key not in sd:
                raise SystemExit(f"state dict has no '{key}' (layer {name}); is it a torchvision {s.name}?")
        w = _np(sd[wk])
        b = _np(sd[bk])
        p[name] = (w.astype(np.float32), b.astype(np.float32))
    check_canonical(p, s)
    return p


def torchvision_from_canonical(p, s):
    import torch
    sd = OrderedDict()
    for name, (wk, bk) in torchvision_keys(s).items():
        sd[wk] = torch.from_numpy(np.ascontiguousarray(p[name][0]))
        sd[bk] = torch.from_numpy(np.ascontiguousarray(p[name][1]))
    return sd


def keras_from_canonical(p, s):
    """canonical -> Keras layout: conv (kh, kw, cin, cout); dense (in, out), fc1 rows in (h, w, c) order."""
    out = OrderedDict()
    c, f = s.widths[-1], s.final_size
    for name, (k, b) in p.items():
        if k.ndim == 4:
            out[name] = (np.ascontiguousarray(k.transpose(2, 3, 1, 0)), b)
        elif name == s.fc_layers()[0][0]:
            fout = k.shape[0]
            # (out, c, h, w) -> (h, w, c, out) -> rows (h, w, c)
            out[name] = (np.ascontiguousarray(k.reshape(fout, c, f, f).transpose(2, 3, 1, 0).reshape(f * f * c, fout)), b)
        else:
            out[name] = (np.ascontiguousarray(k.T), b)
    return out


def canonical_from_keras(kp, s):
    """Keras layout -> canonical (inverse of keras_from_canonical). Checks shapes."""
    out = OrderedDict()
    c, f = s.widths[-1], s.final_size
    first_fc = s.fc_layers()[0][0]
    for name, (k, b) in kp.items():
        k = np.asarray(k, dtype=np.float32)
        if k.ndim == 4:
            out[name] = (np.ascontiguousarray(k.transpose(3, 2, 0, 1)), np.asarray(b, np.float32))
        elif name == first_fc:
            fout = k.shape[1]
            out[name] = (np.ascontiguousarray(k.reshape(f, f, c, fout).transpose(3, 2, 0, 1).reshape(fout, c * f * f)),
                         np.asarray(b, np.float32))
        else:
            out[name] = (np.ascontiguousarray(k.T), np.asarray(b, np.float32))
    check_canonical(out, s)
    return out


def check_canonical(p, s):
    for name, cin, cout in s.conv_layers():
        _check(p, name, (cout, cin, 3, 3), (cout,))
    for name, fin, fout in s.fc_layers():
        _check(p, name, (fout, fin), (fout,))
    for name, (k, b) in p.items():
        if not (np.all(np.isfinite(k)) and np.all(np.isfinite(b))):
            raise SystemExit(f"layer {name} has NaN or Inf values")


def _check(p, name, kshape, bshape):
    if name not in p:
        raise SystemExit(f"missing layer '{name}'")
    k, b = p[name]
    if tuple(k.shape) != kshape or tuple(b.shape) != bshape:
        raise SystemExit(f"wrong shape for {name}: kernel {tuple(k.shape)} bias {tuple(b.shape)}, "
                         f"expected {kshape} and {bshape}")


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)


# ---- npy dicts (tensorflow-vgg style: conv1_1 ... conv5_3, fc6, fc7, fc8) -----------------------------

def npy_names(s):
    """Keras layer name -> npy dict key."""
    names = OrderedDict()
    for name, _, _ in s.conv_layers():
        b, k = name[len("block"):].split("_conv")
        names[name] = f"conv{b}_{k}"
    for i, (name, _, _) in enumerate(s.fc_layers()):
        names[name] = f"fc{6 + i}"
    return names


# ---- labels -------------------------------------------------------------------------------------------

def labels_for(num_classes):
    """(ids, names): ImageNet's synset.txt order for 1000 classes, class0.. otherwise."""
    if num_classes == 1000:
        ids, names = [], []
        with open(SYNSET, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    wnid, _, name = line.partition(" ")
                    ids.append(wnid)
                    names.append(name.strip() or wnid)
        return ids, names
    ids = [f"class{i}" for i in range(num_classes)]
    return ids, list(ids)


# ---- HDF5 writers and readers ------------------------------------------------------------------------

def _fixed_utf8(values):
    """Fixed-length, UTF-8 strings: what jhdf writes, so files from both writers look alike."""
    import h5py
    enc = [v.encode("utf-8") for v in values]
    n = max(1, max((len(e) for e in enc), default=1))
    return np.array(enc, dtype=h5py.string_dtype("utf-8", n))


def _str_attr(obj, key, value):
    import h5py
    enc = value.encode("utf-8")
    obj.attrs.create(key, np.array(enc, dtype=h5py.string_dtype("utf-8", max(1, len(enc)))))


def write_canonical_h5(path, p, s, preprocessing, source, labels=None):
    """Writes a gradcam4j model file (weights/FORMAT.md) with an fc head.

    preprocessing: dict(channel_order='RGB'|'BGR', scale=float, mean=3 floats, std=3 floats) in model channel order."""
    import h5py
    check_canonical(p, s)
    ids, names = labels if labels is not None else labels_for(s.num_classes)
    tmp = path + ".tmp"
    # every object of 64 bytes or more at a multiple of 64 bytes (weights/FORMAT.md, "Alignment"): gradcam4j then maps
    # the parameters instead of copying them
    with h5py.File(tmp, "w", alignment_threshold=64, alignment_interval=64) as f:
        _str_attr(f, "format", FORMAT)
        f.attrs.create("format_version", FORMAT_VERSION, dtype=np.int32)
        _str_attr(f, "arch", s.name)
        f.attrs.create("input_size", s.input_size, dtype=np.int32)
        f.attrs.create("input_channels", 3, dtype=np.int32)
        f.attrs.create("convs_per_block", np.array(s.convs_per_block, np.int32))
        f.attrs.create("widths", np.array(s.widths, np.int32))
        f.attrs.create("fc_widths", np.array(s.fc_widths, np.int32))
        f.attrs.create("num_classes", s.num_classes, dtype=np.int32)
        _str_attr(f, "head", "fc")
        f.attrs.create("cam_width", 0, dtype=np.int32)
        _str_attr(f, "channel_order", preprocessing["channel_order"])
        f.attrs.create("scale", np.float32(preprocessing["scale"]))
        f.attrs.create("mean", np.array(preprocessing["mean"], np.float32))
        f.attrs.create("std", np.array(preprocessing["std"], np.float32))
        _str_attr(f, "source", source)
        f.create_dataset("labels/ids", data=_fixed_utf8(ids))
        f.create_dataset("labels/names", data=_fixed_utf8(names))
        for name, (k, b) in p.items():
            f.create_dataset(f"params/{name}/kernel", data=np.asarray(k, np.float32))
            f.create_dataset(f"params/{name}/bias", data=np.asarray(b, np.float32))
    os.replace(tmp, path)


def _attr_str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray):
        return _attr_str(v[()])
    return str(v)


def _attr_value(v):
    """An attribute as plain Python: str for strings (bytes decoded), list for arrays, scalars as such."""
    if isinstance(v, (bytes, str)):
        return _attr_str(v)
    a = np.asarray(v)
    if a.dtype.kind in "SOU":
        return _attr_str(v) if a.ndim == 0 else [_attr_str(x) for x in a]
    return a.tolist()


def read_canonical_h5(path):
    """-> dict with the root attributes (strings decoded), 'labels' (ids, names) and 'params' (canonical)."""
    import h5py
    with h5py.File(path, "r") as f:
        fmt = _attr_str(f.attrs["format"])
        if fmt != FORMAT:
            raise SystemExit(f"{path}: format is '{fmt}', not {FORMAT}")
        meta = {k: _attr_value(v) for k, v in f.attrs.items()}
        labels = None
        if "labels" in f:
            labels = ([x for x in f["labels/ids"].asstr()[()]], [x for x in f["labels/names"].asstr()[()]])
        params = OrderedDict()
        for name in f["params"]:
            g = f["params"][name]
            params[name] = (g["kernel"][()], g["bias"][()] if "bias" in g else None)
    meta["labels"] = labels
    meta["params"] = params
    return meta


def write_keras_h5(path, kp, s, style="new", top=True, full_model=False):
    """Writes Keras-convention weights (as model.save_weights would), from Keras-layout params.

    style 'old': datasets <layer>_W_1:0 / <layer>_b_1:0 directly in the layer group;
    style 'new': nested group <layer>/kernel:0, <layer>/bias:0.
    top=False writes the notop variant (conv blocks only). full_model=True puts the weights under
    'model_weights' as model.save does."""
    import h5py
    layer_names = ["input_1"]
    for b, n in enumerate(s.convs_per_block):
        layer_names += [f"block{b + 1}_conv{k + 1}" for k in range(n)] + [f"block{b + 1}_pool"]
    if top:
        layer_names += ["flatten"] + [n for n, _, _ in s.fc_layers()]
    with h5py.File(path, "w") as f:
        root = f
        if full_model:
            _str_attr(f, "keras_version", "2.2.4")
            _str_attr(f, "backend", "tensorflow")
            _str_attr(f, "model_config", '{"class_name": "Model"}')
            root = f.create_group("model_weights")
        root.attrs["layer_names"] = np.array([n.encode() for n in layer_names])
        root.attrs["backend"] = np.bytes_("tensorflow")
        root.attrs["keras_version"] = np.bytes_("2.2.4")
        for name in layer_names:
            g = root.create_group(name)
            if name not in kp:
                g.attrs["weight_names"] = np.array([], dtype="S1")
                continue
            k, bias = kp[name]
            if style == "old":
                wn = [f"{name}_W_1:0", f"{name}_b_1:0"]
                g.create_dataset(wn[0], data=k)
                g.create_dataset(wn[1], data=bias)
            else:
                wn = [f"{name}/kernel:0", f"{name}/bias:0"]
                g.create_dataset(wn[0], data=k)
                g.create_dataset(wn[1], data=bias)
            g.attrs["weight_names"] = np.array([w.encode() for w in wn])


def read_keras_h5(path):
    """-> ordered dict layer -> (kernel, bias) in Keras layout, from either naming style."""
    import h5py
    out = OrderedDict()
    with h5py.File(path, "r") as f:
        root = f if "layer_names" in f.attrs else f["model_weights"]
        for name in [_attr_str(n) for n in root.attrs["layer_names"]]:
            g = root[name]
            wn = [_attr_str(n) for n in g.attrs.get("weight_names", [])]
            if wn:
                arrays = [g[w][()] for w in wn]
                k = next(a for a in arrays if a.ndim > 1)
                b = next(a for a in arrays if a.ndim == 1)
                out[name] = (k, b)
    return out


KERAS_PREPROCESSING = dict(channel_order="BGR", scale=1.0, mean=KERAS_MEAN_BGR, std=(1.0, 1.0, 1.0))
TORCHVISION_PREPROCESSING = dict(channel_order="RGB", scale=1.0 / 255.0, mean=TORCHVISION_MEAN_RGB, std=TORCHVISION_STD_RGB)
