#!/usr/bin/env python3
"""Reference tensors for gradcam4j's image geometry (docs/ALGORITHMS.md section 1).

Writes, into OUT_DIR, random test images and what torch makes of them:
centre crop (extra split floor/ceil, top/left gets the floor) or squash, then
torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False);
and maps resized back onto the original image's grid (zero outside the crop).
Read by java/src/test/java/org/gradcam4j/image/TorchResizeParityTest.java.

Interpolation runs in float64 so the reference is the exact half-pixel formula; in float32,
torch's rounding of source coordinates alone moves values by up to ~1e-3 on 0..255 data.

Files (all raw little-endian, row-major):
  <name>.u8   uint8 H x W x 3 (RGB) test image
  <name>.f32  float32 expected values, shape given in manifest.txt
  manifest.txt  one line per file: name dtype dims...

Usage: ref_resize.py OUT_DIR        (exit status 3 when torch is missing)
"""
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the Java test skips on status 3
    print(f"ref_resize.py: {e}", file=sys.stderr)
    sys.exit(3)

SEED = 20240611


def interp(x, h, w):
    """x: (C, h0, w0) float64 array -> (C, h, w)."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))[None]
    return F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False, antialias=False)[0].numpy()


def crop_box(h, w, mode):
    if mode == "squash":
        return 0, 0, w, h
    side = min(h, w)
    return (w - side) // 2, (h - side) // 2, side, side  # x0, y0, cw, ch: floor to top/left


def forward(img, s, mode):
    """img: H x W x 3 uint8 -> 3 x s x s float64, RGB, 0..255."""
    h, w, _ = img.shape
    x0, y0, cw, ch = crop_box(h, w, mode)
    chw = img.transpose(2, 0, 1).astype(np.float64)[:, y0:y0 + ch, x0:x0 + cw]
    return interp(chw, s, s)


def back(m, h, w, s, mode):
    """m: (C, s, s) map at network size -> (C, h, w) on the original grid, 0 outside the crop."""
    x0, y0, cw, ch = crop_box(h, w, mode)
    out = np.zeros((m.shape[0], h, w))
    out[:, y0:y0 + ch, x0:x0 + cw] = interp(m, ch, cw)
    return out


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.RandomState(SEED)
    manifest = []

    def save(name, arr, dtype):
        arr = np.ascontiguousarray(arr, dtype=dtype)
        arr.astype(arr.dtype.newbyteorder("<")).tofile(os.path.join(out_dir, name))
        manifest.append(" ".join([name, np.dtype(dtype).name] + [str(d) for d in arr.shape]))

    wide = rng.randint(0, 256, size=(37, 50, 3)).astype(np.uint8)   # extra 13: left 6, right 7
    tall = rng.randint(0, 256, size=(50, 37, 3)).astype(np.uint8)   # extra 13: top 6, bottom 7
    save("wide.u8", wide, np.uint8)
    save("tall.u8", tall, np.uint8)
    save("wide_crop24.f32", forward(wide, 24, "crop"), np.float32)    # shrink 37 -> 24
    save("wide_crop64.f32", forward(wide, 64, "crop"), np.float32)    # grow 37 -> 64
    save("wide_squash24.f32", forward(wide, 24, "squash"), np.float32)
    save("tall_crop24.f32", forward(tall, 24, "crop"), np.float32)

    map24 = rng.rand(1, 24, 24)
    map7 = rng.rand(1, 7, 7)
    save("map24.f32", map24, np.float32)
    save("map7.f32", map7, np.float32)
    # the maps are read back as float32, so resample the float32-rounded values
    map24 = map24.astype(np.float32).astype(np.float64)
    map7 = map7.astype(np.float32).astype(np.float64)
    save("map24_back_wide_crop.f32", back(map24, 37, 50, 24, "crop"), np.float32)
    save("map24_back_tall_crop.f32", back(map24, 50, 37, 24, "crop"), np.float32)
    save("map24_back_wide_squash.f32", back(map24, 37, 50, 24, "squash"), np.float32)
    # a layer-sized map: bilinear to the network size, then back (two steps, as docs/ALGORITHMS.md says)
    map7_net = interp(map7, 24, 24).astype(np.float32).astype(np.float64)
    save("map7_back_wide_crop.f32", back(map7_net, 37, 50, 24, "crop"), np.float32)

    with open(os.path.join(out_dir, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
