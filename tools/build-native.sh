#!/usr/bin/env bash
# Builds gradcam4j's native code (CUDA kernels, GPU harness, JNI library) into build/native and
# copies libgradcam4j_native.so to build/native/dist/<os>-<arch>/ (override with
# GRADCAM4J_NATIVE_DEST), printing where it went.
#
#   tools/build-native.sh [extra cmake -D options...]
#   e.g. tools/build-native.sh -DCMAKE_CUDA_ARCHITECTURES=90 -DCUDNN_ROOT=/opt/cudnn
#
# Without a CUDA compiler the configure step reports CPU-only and nothing is copied: the Java CPU
# backend needs no native code, so that is not an error -- unless GRADCAM4J_NATIVE_REQUIRED=1
# (set by `mvn -Pnative`, which exists to bundle the library), where it exits 1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GRADCAM4J_NATIVE_BUILD:-$root/build/native}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

# FindJNI needs a JDK; derive JAVA_HOME from javac when it is not set.
if [[ -z "${JAVA_HOME:-}" ]] && command -v javac >/dev/null 2>&1; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
  export JAVA_HOME
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j "$jobs"

lib="$build/lib/libgradcam4j_native.so"
if [[ ! -f "$lib" ]]; then
  echo "build-native: no JNI library was built (no CUDA compiler or no JNI headers; see the" \
       "gradcam4j_native lines above)"
  [[ "${GRADCAM4J_NATIVE_REQUIRED:-0}" == 1 ]] && exit 1
  exit 0
fi

os="$(uname -s | tr '[:upper:]' '[:lower:]')"
arch="$(uname -m)"
dest="${GRADCAM4J_NATIVE_DEST:-$build/dist/$os-$arch}"
mkdir -p "$dest"
cp "$lib" "$dest/"
echo "build-native: JNI library: $dest/libgradcam4j_native.so"
echo "build-native: GPU harness: $build/bin/gradcam4j_kernel_check [--bench]"
