#!/usr/bin/env python3
"""Makes the photo folder of `gradcam4j bench e2e`: 32 JPEGs (quality 90) of mixed sizes, from 320x240 to
2048x1536, landscape and portrait, cycled over the photos given. Needs OpenCV (Debian's python3-opencv).

Usage: tools/make_e2e_photos.py OUT_DIR PHOTO [PHOTO ...]
"""
import os
import sys

import cv2

SIZES = [(320, 240), (500, 375), (640, 480), (800, 600), (1024, 768), (1280, 960), (1600, 1200), (2048, 1536)]
SIZES += [(h, w) for (w, h) in SIZES]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, photos = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    for i in range(32):
        img = cv2.imread(photos[i % len(photos)], cv2.IMREAD_COLOR)
        if img is None:
            sys.exit(f"cannot read {photos[i % len(photos)]}")
        w, h = SIZES[i % len(SIZES)]
        cv2.imwrite(os.path.join(out, f"photo{i:02d}.jpg"), cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA),
                    [cv2.IMWRITE_JPEG_QUALITY, 90])
    print(f"{out}: 32 photos")


if __name__ == "__main__":
    main()
