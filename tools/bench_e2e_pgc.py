#!/usr/bin/env python3
"""The peer of `gradcam4j bench e2e`: a short pytorch-grad-cam script doing what
`gradcam4j explain DIR --method gradcam --top-k 1 --save png` does, as one whole process.

For every photo in --images (sorted by name), in batches of --batch: read it (OpenCV), resize it to 224 x 224,
normalise it, run pytorch-grad-cam's GradCAM on VGG16's last convolution (block5_conv3, features[28]) for the
top-1 class (targets=None), resize the 224 x 224 map to the photo's size and write the overlay on the photo
(show_cam_on_image) as OUT/<name>/gradcam.png. The weights come from --weights, a state dict saved with
torch.save (what a PyTorch user has); --from-npz converts the canonical npz that the benchmark writes into one.

pytorch-grad-cam is not part of this repository: --pgc names a checkout of it. Imports that its package pulls in
but Grad-CAM does not use (ttach, and torchvision, scikit-learn, matplotlib, scipy where Debian's packages are
not installed) are satisfied by empty stand-in modules.

Needs Debian's python3-torch, python3-opencv and numpy.
"""
import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import time
import types

STAND_INS = ("ttach", "torchvision", "sklearn", "matplotlib", "scipy")


class _Anything:
    """Stands for any attribute of a stand-in module: callable, subscriptable, subclassable."""

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return _Anything()

    def __getattr__(self, name):
        return _Anything()

    def __mro_entries__(self, bases):
        return (object,)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Empty modules for the names in STAND_INS that are not installed (and their submodules)."""

    def __init__(self, missing):
        self.missing = missing

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in self.missing:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        m = types.ModuleType(spec.name)
        m.__path__ = []
        m.__getattr__ = lambda name: _Anything()
        return m

    def exec_module(self, module):
        pass


def install_stand_ins():
    missing = {n for n in STAND_INS if n == "ttach" or importlib.util.find_spec(n) is None}
    sys.meta_path.insert(0, _StandInFinder(missing))
    for n in missing:
        sys.modules.pop(n, None)


def vgg16(torch):
    """torchvision's VGG16 layout (features / avgpool / classifier), built without torchvision."""
    nn = torch.nn
    layers, c = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v

    class VGG(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 1000))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return VGG()


CONVS = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv2", "block3_conv3",
         "block4_conv1", "block4_conv2", "block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3"]


def npz_to_state_dict(npz_path, torch, np):
    """The canonical layout (weights/FORMAT.md) is torchvision's: conv (cout, cin, 3, 3), fc (out, in) over (c, h, w)."""
    z = np.load(npz_path)
    sd, conv_idx = {}, [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
    for name, i in zip(CONVS, conv_idx):
        sd[f"features.{i}.weight"] = torch.from_numpy(z[name + "/kernel"])
        sd[f"features.{i}.bias"] = torch.from_numpy(z[name + "/bias"])
    for name, i in zip(["fc1", "fc2", "predictions"], [0, 3, 6]):
        sd[f"classifier.{i}.weight"] = torch.from_numpy(z[name + "/kernel"])
        sd[f"classifier.{i}.bias"] = torch.from_numpy(z[name + "/bias"])
    return sd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgc", help="a checkout of pytorch-grad-cam (the folder holding the pytorch_grad_cam package)")
    ap.add_argument("--weights", required=True, help="VGG16 state dict (torch.save)")
    ap.add_argument("--from-npz", help="convert this canonical npz into --weights and exit")
    ap.add_argument("--images", help="folder of photos")
    ap.add_argument("--out", help="output folder")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()

    import numpy as np
    import torch
    torch.set_num_threads(a.threads)
    if a.from_npz:
        torch.save(npz_to_state_dict(a.from_npz, torch, np), a.weights)
        return

    t0 = time.perf_counter()
    install_stand_ins()
    sys.path.insert(0, os.path.abspath(a.pgc))
    import cv2
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.image import show_cam_on_image

    model = vgg16(torch)
    model.load_state_dict(torch.load(a.weights))
    model.eval()
    t_model = time.perf_counter() - t0
    cam = GradCAM(model=model, target_layers=[model.features[28]])
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    exts = (".jpg", ".jpeg", ".png", ".bmp")
    names = sorted(n for n in os.listdir(a.images) if n.lower().endswith(exts))
    done = 0
    for s in range(0, len(names), a.batch):
        part = names[s:s + a.batch]
        photos = []
        for n in part:
            bgr = cv2.imread(os.path.join(a.images, n), cv2.IMREAD_COLOR)
            photos.append(np.float32(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)) / 255)
        x = np.stack([(cv2.resize(p, (224, 224)) - mean) / std for p in photos]).transpose(0, 3, 1, 2)
        maps = cam(input_tensor=torch.from_numpy(np.ascontiguousarray(x)), targets=None)
        for n, p, m in zip(part, photos, maps):
            over = show_cam_on_image(p, cv2.resize(m, (p.shape[1], p.shape[0])), use_rgb=True)
            d = os.path.join(a.out, os.path.splitext(n)[0])
            os.makedirs(d, exist_ok=True)
            cv2.imwrite(os.path.join(d, "gradcam.png"), cv2.cvtColor(over, cv2.COLOR_RGB2BGR))
            done += 1
    print(f"pgc: {done} images, model load {t_model:.2f} s, total {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
