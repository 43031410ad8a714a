"""Copies an HDF5 weight file with every array dataset chunked and gzip-compressed, attributes kept.

Test input for the weight readers' general path: a Keras file as h5py writes it with compression=, whose datasets
cannot be mapped and must be read and converted (java KerasZeroCopyParityTest). Writes <out>/<name of --src>.

Run with Debian's /usr/bin/python3 (h5py).
"""
import argparse
import os

import h5py


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True, help="output directory")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    dst = os.path.join(a.out, os.path.basename(a.src))
    with h5py.File(a.src, "r") as src, h5py.File(dst + ".tmp", "w") as out:
        for k, v in src.attrs.items():
            out.attrs[k] = v

        def copy(name, obj):
            if isinstance(obj, h5py.Group):
                g = out.require_group(name)
            else:
                data = obj[()]
                if getattr(data, "ndim", 0) >= 1 and data.size > 1:
                    g = out.create_dataset(name, data=data, chunks=True, compression="gzip", compression_opts=4)
                else:
                    g = out.create_dataset(name, data=data)
            for k, v in obj.attrs.items():
                g.attrs[k] = v

        src.visititems(copy)
    os.replace(dst + ".tmp", dst)


if __name__ == "__main__":
    main()
