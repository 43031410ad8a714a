"""Find cuDNN 9 and cuBLAS installed as pip wheels, for CMakeLists.txt.

Two wheel layouts exist:
  per-library folders  site-packages/nvidia/cudnn/{include,lib}, site-packages/nvidia/cublas/{include,lib}
                       (nvidia-cudnn-cu12 / -cu13, nvidia-cublas-cu12)
  one CUDA-major tree  site-packages/nvidia/cu13/{include,lib} (the CUDA 13 wheels of cuBLAS, cuBLASLt,
                       NVRTC and the CUDA runtime all install there; likewise nvidia/cu12)

Output, one line each ("" when not found):
  cudnn_include=<folder holding cudnn.h>     cudnn_library=<libcudnn.so.9 or the like>
  cublas_include=<folder holding cublas_v2.h> cublas_library=<libcublas.so.<major> or the like>

Versioned sonames (libcudnn.so.9, libcublas.so.13) are preferred: a wheel ships nothing else, and an
unversioned libfoo.so, where present, may point at another major version.

--stage DIR: a wheel's include folder can hold the CUDA runtime's own headers too (nvidia/cu13/include
gets cuda_runtime_api.h from the nvidia-cuda-runtime wheel), which must not shadow the toolkit's that nvcc
compiles against. With --stage the printed include folders are DIR/cudnn and DIR/cublas, holding links to
only the library's own headers (cudnn*.h, cublas*.h).

--cuda-major N: prefer the cuBLAS built for CUDA N (libcublas.so.N, nvidia/cuN) and refuse other majors.
--root DIR (repeatable): search these site-packages folders instead of this Python's (used by the tests).
"""
import argparse
import glob
import importlib.util
import os
import site
import sys


def site_dirs():
    dirs = []
    try:
        spec = importlib.util.find_spec("nvidia")
        if spec and spec.submodule_search_locations:  # a namespace package may span several folders
            dirs.extend(os.path.dirname(p) for p in spec.submodule_search_locations)
    except Exception:  # not installed, or a broken install: fall back to the folders below
        pass
    try:
        dirs.extend(site.getsitepackages())
    except AttributeError:  # some virtualenv versions lack it
        pass
    try:
        dirs.append(site.getusersitepackages())
    except AttributeError:
        pass
    dirs.extend(p for p in sys.path if p)
    seen, out = set(), []
    for d in dirs:
        d = os.path.abspath(d)
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def library_in(lib_dir, stem, majors):
    """The best file for lib<stem> in lib_dir: lib<stem>.so.<major> in the order of majors, then any
    lib<stem>.so.<major>.<...>, then lib<stem>.so. Never a longer name (libcublasLt for cublas)."""
    for major in majors:
        exact = os.path.join(lib_dir, "lib%s.so.%s" % (stem, major))
        if os.path.isfile(exact):
            return exact
        longer = sorted(glob.glob(os.path.join(lib_dir, "lib%s.so.%s.*" % (stem, major))))
        if longer:
            return longer[-1]
    if not majors:
        any_versioned = sorted(glob.glob(os.path.join(lib_dir, "lib%s.so.[0-9]*" % stem)))
        if any_versioned:
            return any_versioned[-1]
    plain = os.path.join(lib_dir, "lib%s.so" % stem)
    return plain if os.path.isfile(plain) and not majors else ""


def find(bases, folders, header, stem, majors):
    for base in bases:
        for folder in folders:
            root = os.path.join(base, "nvidia", folder)
            include = os.path.join(root, "include")
            if not os.path.isfile(os.path.join(include, header)):
                continue
            for lib_dir in (os.path.join(root, "lib"), os.path.join(root, "lib64")):
                lib = library_in(lib_dir, stem, majors) if os.path.isdir(lib_dir) else ""
                if lib:
                    return include, lib
    return "", ""


def stage(include, prefix, target):
    """Links the headers include/<prefix>*.h into target (emptied first); returns target."""
    os.makedirs(target, exist_ok=True)
    for old in os.listdir(target):
        os.remove(os.path.join(target, old))
    for h in sorted(glob.glob(os.path.join(include, prefix + "*.h"))):
        os.symlink(os.path.abspath(h), os.path.join(target, os.path.basename(h)))
    return target


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", action="append", default=[], help="site-packages folder to search (repeatable)")
    ap.add_argument("--stage", default="", help="folder for header-only include links")
    ap.add_argument("--cuda-major", default="", help="the CUDA toolkit's major version, e.g. 13")
    args = ap.parse_args()
    bases = [os.path.abspath(r) for r in args.root] or site_dirs()

    major = args.cuda_major.strip()
    cu = ["cu" + major] if major else ["cu13", "cu12"]
    # cuDNN 9 has one soname for every CUDA major; the cudnn-cuNN wheels use per-library folders.
    cudnn = find(bases, ["cudnn"] + cu, "cudnn.h", "cudnn", ["9"])
    # cuBLAS: the soname's major is the CUDA major it was built for.
    cublas_majors = [major] if major else ["13", "12"]
    cublas = find(bases, cu + ["cublas"], "cublas_v2.h", "cublas", cublas_majors)

    if args.stage:
        if cudnn[0]:
            cudnn = (stage(cudnn[0], "cudnn", os.path.join(args.stage, "cudnn")), cudnn[1])
        if cublas[0]:
            cublas = (stage(cublas[0], "cublas", os.path.join(args.stage, "cublas")), cublas[1])
    print("cudnn_include=" + cudnn[0])
    print("cudnn_library=" + cudnn[1])
    print("cublas_include=" + cublas[0])
    print("cublas_library=" + cublas[1])


if __name__ == "__main__":
    main()
