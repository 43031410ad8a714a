"""Print the nvidia/cudnn and nvidia/cublas folders of this Python's environment.

Used by CMakeLists.txt to find cuDNN and cuBLAS installed as pip wheels (nvidia-cudnn-cu1x,
nvidia-cublas-cu1x). Output: two lines, "cudnn=<dir or empty>" and "cublas=<dir or empty>".
Tries the import first (works for namespace packages too), then every site-packages folder.
"""
import importlib
import os
import site
import sys


def candidates():
    dirs = []
    try:
        dirs.extend(site.getsitepackages())
    except AttributeError:  # some virtualenv versions lack it
        pass
    try:
        dirs.append(site.getusersitepackages())
    except AttributeError:
        pass
    dirs.extend(p for p in sys.path if p)
    return dirs


def find(name):
    try:
        module = importlib.import_module("nvidia." + name)
        for path in getattr(module, "__path__", []):
            if os.path.isdir(os.path.join(path, "include")):
                return path
    except Exception:  # not installed, or a broken install: fall back to globbing
        pass
    for base in candidates():
        path = os.path.join(base, "nvidia", name)
        if os.path.isdir(os.path.join(path, "include")):
            return path
    return ""


for lib in ("cudnn", "cublas"):
    print(lib + "=" + find(lib))
