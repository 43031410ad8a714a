#!/usr/bin/env python3
"""The peer rows of `gradcam4j bench png`: PNG encoding of the same photos in memory with libpng through OpenCV
(its default settings, and zlib level 6, libpng's own default) and with Pillow (zlib level 6) when it is installed.
Prints `row <name> <median seconds> <bytes>` per encoder. Usage: bench_png.py DIR REPS
"""
import io
import os
import statistics
import sys
import time

import cv2


def main():
    folder, reps = sys.argv[1], int(sys.argv[2])
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png", ".bmp")))
    imgs = [cv2.imread(os.path.join(folder, n), cv2.IMREAD_COLOR) for n in names]
    encoders = [("libpng (OpenCV default)", lambda i: cv2.imencode(".png", i)[1].nbytes),
                ("libpng (zlib level 6)", lambda i: cv2.imencode(".png", i, [cv2.IMWRITE_PNG_COMPRESSION, 6])[1].nbytes)]
    try:
        from PIL import Image

        def pil(i):
            b = io.BytesIO()
            Image.fromarray(i[:, :, ::-1]).save(b, format="PNG")
            return b.tell()
        encoders.append(("Pillow (zlib level 6)", pil))
    except ImportError:
        pass
    for name, enc in encoders:
        times, size = [], 0
        for _ in range(reps):
            t = time.perf_counter()
            size = sum(enc(i) for i in imgs)
            times.append(time.perf_counter() - t)
        print(f"row {name}|{statistics.median(times):.4f}|{size}", flush=True)


if __name__ == "__main__":
    main()
