#!/usr/bin/env bash
# A longer checking session on a GPU machine that has no internet and no system JDK (for the first run, within
# the lent machines' limits, use tools/gpu-first-run.sh). In order:
#   1. unpacks the offline kit (Java runtime, JNI headers, compiled classes and tests, test jars, JUnit's console
#      launcher: made by tools/make-offline-kit.sh, brought along as .offline/gradcam4j-offline-kit.tar.xz);
#   2. finds cuDNN and cuBLAS in the Python environment's nvidia pip packages (cmake/nvidia_wheel_dirs.py);
#   3. builds the native code with CMake for this GPU's architecture;
#   4. runs the CPU reference check, the kernel harness (parity suite, then --bench if it passed);
#   5. runs the gpu-tagged JUnit tests with the kit's runtime and console launcher;
#   6. runs the CLI's `info`, `bench kernels --jni`, `bench cuda` (fp32 and tf32, against the Python environment's
#      PyTorch, raw JSON, then a 2000-image soak) and a short `train --device cuda` on generated canvases.
# Every step writes OUTDIR/<step>.log; OUTDIR/results.txt gets one line per step (PASS, FAIL or SKIP, seconds,
# detail) and a final "overall:" line. A failed step does not stop later ones that do not depend on it.
#
#   tools/gpu-session.sh [OUTDIR]      # OUTDIR default: $OUT, else ./gpu-session-out
#
# Environment: GRADCAM4J_PYTHON  the Python whose site-packages hold nvidia/cudnn, nvidia/cublas (default python3)
#              GRADCAM4J_KIT     an unpacked kit folder or a kit archive (default .offline/kit, then the archive)
#              GRADCAM4J_CUDA_ARCHS  CMAKE_CUDA_ARCHITECTURES (default: this GPU's, from nvidia-smi; else the project's list)
#              JOBS              parallel build jobs (default: all cores)
# Needs CMake >= 3.24, a C++17 compiler, nvcc (PATH, /usr/local/cuda/bin or the nvidia/cuda_nvcc pip package)
# and the NVIDIA driver. Exit status: 0 when no step failed, 1 otherwise.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
outdir="${1:-${OUT:-$root/gpu-session-out}}"
mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
results="$outdir/results.txt"
: > "$results"
python="${GRADCAM4J_PYTHON:-python3}"
build="$root/build/native"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 4)}"
failures=0
no_device=0

note() { echo "$*" | tee -a "$results"; }

# record STEP STATUS SECONDS DETAIL
record() {
  printf '%-18s %-4s %5ss  %s\n' "$1" "$2" "$3" "$4" | tee -a "$results"
  [[ "$2" == FAIL ]] && failures=$((failures + 1))
  return 0
}

# step NAME DETAIL COMMAND...: runs COMMAND with its output shown and kept in NAME.log; exit 0 is PASS, 77 SKIP
# (the harness's "no usable device"), anything else FAIL. Returns the command's exit status.
step() {
  local name="$1" detail="$2"
  shift 2
  local log="$outdir/$name.log" start=$SECONDS rc
  echo "== $name: $*"
  { echo "\$ $*"; "$@"; } 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  case "$rc" in
    0) record "$name" PASS $((SECONDS - start)) "$detail" ;;
    77) record "$name" SKIP $((SECONDS - start)) "$detail (no usable CUDA device)" ;;
    *) record "$name" FAIL $((SECONDS - start)) "$detail (exit $rc; see $name.log)" ;;
  esac
  return "$rc"
}

finish() {
  local device_note=""
  [[ $no_device -eq 1 ]] && device_note=" - but no usable CUDA device: the GPU checks were skipped"
  note "overall: $([[ $failures -eq 0 ]] && echo PASS || echo "FAIL ($failures step(s) failed)")$device_note"
  exit $(( failures > 0 ? 1 : 0 ))
}

note "gradcam4j GPU session, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm)"

# --- machine ---------------------------------------------------------------------------------------------
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi > "$outdir/nvidia-smi.log" 2>&1
  note "gpu: $(nvidia-smi --query-gpu=index,name,compute_cap,memory.total,driver_version --format=csv,noheader 2>/dev/null | paste -sd ';')"
else
  note "gpu: nvidia-smi not found"
fi

# --- 1. offline kit ----------------------------------------------------------------------------------------
kit="${GRADCAM4J_KIT:-$root/.offline/kit}"
if [[ ! -d "$kit" ]]; then
  archive="$kit"
  [[ -f "$archive" ]] || archive="$root/.offline/gradcam4j-offline-kit.tar.xz"
  if [[ -f "$archive" ]]; then
    echo "== unpacking $archive"
    mkdir -p "$root/.offline"
    tar -C "$root/.offline" -xJf "$archive" 2>/dev/null ||
      "$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$archive" "$root/.offline"
    kit="$root/.offline/kit"
  fi
fi
java="$kit/runtime/bin/java"
if [[ ! -x "$java" ]]; then
  record kit FAIL 0 "no offline kit at $kit or .offline/gradcam4j-offline-kit.tar.xz (make it with tools/make-offline-kit.sh)"
  finish
fi
console="$(ls "$kit"/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)"
record kit PASS 0 "$(sed -n 's/^commit: //p' "$kit/KIT.txt" 2>/dev/null); $("$java" -version 2>&1 | head -n 1)"
classpath="$kit/classes:$(ls "$kit"/lib/*.jar | paste -sd ':')"

# --- 2. toolchain, cuDNN and cuBLAS ------------------------------------------------------------------------
# CMake runs the finder itself (GRADCAM4J_PYTHON); here only the loader needs the wheels' library folders.
wheel_dirs="$("$python" "$root/cmake/nvidia_wheel_dirs.py" 2>/dev/null)"
cudnn_root="$(sed -n 's/^cudnn_library=//p' <<< "$wheel_dirs")"
cublas_root="$(sed -n 's/^cublas_library=//p' <<< "$wheel_dirs")"
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DGRADCAM4J_PYTHON="$(command -v "$python" || echo "$python")"
            -DJAVA_INCLUDE_PATH="$kit/jni-include" -DJAVA_INCLUDE_PATH2="$kit/jni-include/linux")
for lib in "$cudnn_root" "$cublas_root"; do
  [[ -n "$lib" ]] && export LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
missing="not found in the nvidia packages of $python"
note "cudnn: ${cudnn_root:-$missing}"
note "cublas: ${cublas_root:-$missing}"

nvcc="$(command -v nvcc || true)"
[[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
if [[ -z "$nvcc" ]]; then
  site_nvcc="$("$python" -c 'import nvidia.cuda_nvcc as m, os; print(os.path.join(list(m.__path__)[0], "bin", "nvcc"))' 2>/dev/null)"
  [[ -x "$site_nvcc" ]] && nvcc="$site_nvcc"
fi
[[ -n "$nvcc" ]] && cmake_args+=(-DCMAKE_CUDA_COMPILER="$nvcc")
note "nvcc: ${nvcc:-not found}"

archs="${GRADCAM4J_CUDA_ARCHS:-}"
if [[ -z "$archs" ]]; then
  cc="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .')"
  # no GPU to ask: the project's default list (CMakeLists.txt), not "native", which fails without one
  archs="${cc:-80-real;86-real;89-real;90-real;90-virtual}"
fi
cmake_args+=(-DCMAKE_CUDA_ARCHITECTURES="$archs")

# --- 3. native build ---------------------------------------------------------------------------------------
built=0
if ! command -v cmake >/dev/null 2>&1; then
  record native-build FAIL 0 "cmake not found"
elif step native-configure "CUDA architectures $archs" cmake -S "$root" -B "$build" "${cmake_args[@]}" &&
     step native-build "-j $jobs" cmake --build "$build" -j "$jobs"; then
  built=1
  grep -h 'gradcam4j_native:' "$outdir/native-configure.log" | sed 's/^-- /  /' | tee -a "$results"
fi
library="$build/lib/libgradcam4j_native.so"
if [[ $built -eq 1 && ! -f "$library" ]]; then
  record native-library FAIL 0 "no $library (see the gradcam4j_native lines)"
  built=0
fi

# --- 4. kernels: references, parity suite, benchmark -------------------------------------------------------
if [[ $built -eq 1 ]]; then
  step reference-check "CPU references vs hand-worked values" "$build/bin/gradcam4j_reference_check"
  step kernel-check "kernel parity suite (GPU vs CPU references)" "$build/bin/gradcam4j_kernel_check"
  case $? in
    0) step kernel-bench "kernel timings, achieved GB/s" "$build/bin/gradcam4j_kernel_check" --bench ;;
    77) no_device=1; record kernel-bench SKIP 0 "no usable CUDA device" ;;
    *) record kernel-bench SKIP 0 "the parity suite failed" ;;
  esac
else
  for s in reference-check kernel-check kernel-bench; do record "$s" SKIP 0 "no native build"; done
fi

# --- 5. gpu-tagged JUnit tests -----------------------------------------------------------------------------
# --enable-native-access: the kit's runtime (JDK 22+) otherwise warns about every JNI library JavaCPP and we load
java_opts=(-Xmx16g -Xss4m --enable-native-access=ALL-UNNAMED -Dgradcam4j.native.path="$library")
if [[ $built -eq 1 && -n "$console" ]]; then
  step junit-gpu "JUnit @Tag(\"gpu\") tests" "$java" "${java_opts[@]}" -jar "$console" execute \
    --disable-banner --disable-ansi-colors --details=tree --class-path "$kit/test-classes:$classpath" \
    --scan-class-path "$kit/test-classes" --include-tag gpu --fail-if-no-tests --reports-dir "$outdir/junit"
  # the launcher's summary lines look like "[         5 tests successful      ]"; assumptions count as aborted
  summary="$(grep -E '^\[ +[0-9]+ tests (successful|failed|skipped|aborted)' "$outdir/junit-gpu.log" |
             tr -d '[]' | awk '{$1=$1; print}' | paste -sd ',' | sed 's/,/, /g')"
  [[ -n "$summary" ]] && note "  junit: $summary"
else
  record junit-gpu SKIP 0 "$([[ -z "$console" ]] && echo "no console launcher in the kit" || echo "no native build")"
fi

# --- 6. CLI: info and the benchmarks that exist ------------------------------------------------------------
cli=("$java" "${java_opts[@]}" -cp "$classpath" org.gradcam4j.cli.Main)
step cli-info "gradcam4j info" "${cli[@]}" info
if [[ $built -eq 1 ]]; then
  step cli-bench-kernels "gradcam4j bench kernels --jni (full parity suite through JNI)" "${cli[@]}" bench kernels --jni
  step cli-bench-cuda-fp32 "gradcam4j bench cuda --precision fp32 (vs PyTorch + cuDNN)" "${cli[@]}" bench cuda \
    --precision fp32 --python "$python" --tools "$root/tools" --json "$outdir/bench-cuda-fp32.json"
  step cli-bench-cuda-tf32 "gradcam4j bench cuda --precision tf32, then a 2000-image soak" "${cli[@]}" bench cuda \
    --precision tf32 --python "$python" --tools "$root/tools" --json "$outdir/bench-cuda-tf32.json" --soak 2000
  canvases="$outdir/canvases"
  if [[ $no_device -eq 1 ]]; then
    record cli-train-cuda SKIP 0 "no usable CUDA device"
  elif [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
    record cli-train-cuda SKIP 0 "no Fashion-MNIST here (Debian dataset-fashion-mnist); GPU training is checked by TrainerGpuTest"
  elif step cli-canvases "gradcam4j canvases (small set for the GPU training smoke run)" "${cli[@]}" canvases \
       --out "$canvases" --train 2000 --test 400 --seed 1; then
    step cli-train-cuda "gradcam4j train --device cuda (from scratch, 2 epochs)" "${cli[@]}" train --device cuda \
      --data "$canvases/train" --val "$canvases/test" --out "$outdir/train-cuda.h5" --epochs 2 --batch 64
  fi
fi
finish
