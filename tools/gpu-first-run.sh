#!/usr/bin/env bash
# The whole first GPU run in one command that ends within a global deadline (default 9 minutes), made for
# borrowed GPU machines: no internet, about 15 minutes of GPU time in all, at most 10 minutes per command, and
# only a few files (at most 8 of 16 MiB) coming back from the output folder.
#
#   tools/gpu-first-run.sh              # in the working tree, with .offline/gradcam4j-offline-kit.tar.xz beside it
#
# Steps, in this order, each with its own timeout, each skipped with a SKIP line when the deadline is too near:
#   probe         GPU, driver, nvcc, cmake, the Python's torch (CUDA, cuDNN versions), where cuDNN and cuBLAS
#                 headers and libraries are (cmake/nvidia_wheel_dirs.py); ends the run with "no GPU" when there is
#                 none (exit 0: nothing to check on this machine)
#   kit           unpack the offline kit (Java runtime, classes, tests, jars; tools/make-offline-kit.sh)
#   build         configure and build for the present GPU's architecture only; FAILS LOUDLY when a GPU is present
#                 but the cuDNN engine was not built
#   kernel-check  the kernel parity suite (gradcam4j_kernel_check)
#   info          `gradcam4j info`; FAILS LOUDLY when the cuDNN engine does not load on the GPU
#   self-check    an explanation with --device cuda, which runs the engine's self-check against the CPU backend
#   bench-fp32    `gradcam4j bench cuda --batches 64,1 --precision fp32` (against the Python's PyTorch if it has CUDA)
#   bench-tf32    the same in tf32
#   gpu-parity    the GPU parity suite (JUnit CudaParityGpuTest: every method, CUDA vs the CPU backend)
#   then, while time remains: kernel-bench (kernel timings), memcheck (compute-sanitizer on the quick kernel
#   suite), gpu-tests (the other @Tag("gpu") JUnit tests)
#
# Everything is logged into a work folder; into $OUT (default ./gpu-first-run-out) come, also when a step fails
# or the deadline hits: results.txt (one line per step: PASS / FAIL / SKIP, seconds, detail; an "overall:" line),
# bench-cuda-fp32.json, bench-cuda-tf32.json (when the benches ran) and logs.tgz (every log, each cut to its last
# 2 MiB, or 256 KiB should the archive pass 15 MiB). Exit status: 0 when nothing failed (or there is no GPU), 1 otherwise.
#
# Environment: OUT                output folder (default ./gpu-first-run-out)
#              GRADCAM4J_DEADLINE seconds for the whole run (default 540)
#              GRADCAM4J_PYTHON   the Python whose site-packages hold the nvidia cuDNN / cuBLAS wheels and torch
#                                 (default python3)
#              GRADCAM4J_KIT      an unpacked kit folder or a kit archive (default .offline/kit, then the archive)
#              GRADCAM4J_WORK     the work folder (default: a new folder under ${TMPDIR:-/tmp})
set -uo pipefail

start_epoch=$(date +%s)
deadline=$(( start_epoch + ${GRADCAM4J_DEADLINE:-540} ))
reserve=20  # seconds kept back for packing the results
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-$root/gpu-first-run-out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="${GRADCAM4J_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gpu-first-run.XXXXXX")}"
mkdir -p "$work/logs"
results="$work/results.txt"
: > "$results"
python="${GRADCAM4J_PYTHON:-python3}"
build="$root/build/native"
jobs="$(nproc 2>/dev/null || echo 4)"
failures=0
loud=()

note() { echo "$*" | tee -a "$results"; }
left() { echo $(( deadline - $(date +%s) - reserve )); }

# record STEP STATUS SECONDS DETAIL
record() {
  printf '%-13s %-4s %4ss  %s\n' "$1" "$2" "$3" "$4" | tee -a "$results"
  [[ "$2" == FAIL ]] && failures=$((failures + 1))
  return 0
}

# A failure that must not be missed: recorded, and repeated at the top of the summary.
fail_loudly() {
  loud+=("$1")
  record "$2" FAIL "${3:-0}" "$1"
  echo "!!!!!!!! FAIL: $1" | tee -a "$results"
}

# run NAME MAX_S MIN_S DETAIL COMMAND...: runs COMMAND under min(MAX_S, time left) seconds, output in
# logs/NAME.log; SKIP when less than MIN_S is left. Exit 0 PASS, 77 SKIP (no usable device), 124 timed out.
# Returns the command's status (or 125 when skipped).
run() {
  local name="$1" max="$2" min="$3" detail="$4"
  shift 4
  local budget rc t0
  budget=$(left)
  if (( budget < min )); then
    record "$name" SKIP 0 "$detail (deadline: ${budget}s left, needs ${min}s)"
    return 125
  fi
  (( budget > max )) && budget=$max
  t0=$(date +%s)
  echo "== $name (timeout ${budget}s): $*"
  if declare -F "$1" >/dev/null; then
    # a function of this script: timeout runs it in a fresh bash, with the variables it reads
    local script
    script="$(declare -f "$1"); $(declare -p python root kit build jobs cmake_args 2>/dev/null); $*"
    { echo "\$ $*"; timeout -k 5 "$budget" bash -c "$script"; } > "$work/logs/$name.log" 2>&1
  else
    { echo "\$ $*"; timeout -k 5 "$budget" "$@"; } > "$work/logs/$name.log" 2>&1
  fi
  rc=$?
  case "$rc" in
    0) record "$name" PASS $(( $(date +%s) - t0 )) "$detail" ;;
    77) record "$name" SKIP $(( $(date +%s) - t0 )) "$detail (no usable CUDA device)" ;;
    124|137) record "$name" FAIL $(( $(date +%s) - t0 )) "$detail (timed out after ${budget}s)" ;;
    *) record "$name" FAIL $(( $(date +%s) - t0 )) "$detail (exit $rc; logs/$name.log)" ;;
  esac
  return "$rc"
}

skip() { record "$1" SKIP 0 "$2"; }

# Packs results.txt, the bench JSONs and logs.tgz into $OUT; runs on every exit.
pack() {
  local status="$1" summary
  if (( ${#loud[@]} > 0 )); then
    summary="FAIL (${failures} step(s) failed) - ${loud[*]}"
  elif [[ "$status" == nogpu ]]; then
    summary="no GPU: nothing to check on this machine (probe in logs.tgz)"
  elif (( failures > 0 )); then
    summary="FAIL (${failures} step(s) failed)"
  else
    summary="PASS"
  fi
  note "overall: $summary ($(( $(date +%s) - start_epoch ))s of ${GRADCAM4J_DEADLINE:-540}s)"
  # Each log cut to its last 2 MiB; should the archive still pass 15 MiB (one file may be 16 MiB), to 256 KiB.
  local cut
  for cut in 2097152 262144; do
    rm -rf "$work/pack"
    mkdir -p "$work/pack"
    for f in "$work"/logs/*; do
      [[ -f "$f" ]] && tail -c "$cut" "$f" > "$work/pack/$(basename "$f")"
    done
    tar -C "$work/pack" -czf "$out/logs.tgz" . 2>/dev/null
    (( $(stat -c %s "$out/logs.tgz") <= 15 * 1048576 )) && break
  done
  cp "$results" "$out/results.txt"
  for j in bench-cuda-fp32.json bench-cuda-tf32.json; do
    [[ -s "$work/$j" ]] && cp "$work/$j" "$out/$j"
  done
  echo "gpu-first-run: $out holds $(ls "$out" | wc -l) file(s): $(ls "$out" | paste -sd ' ')"
  [[ -z "${GRADCAM4J_WORK:-}" ]] && rm -rf "$work"  # everything is in logs.tgz
  return 0
}

note "gradcam4j first GPU run, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

# --- probe ------------------------------------------------------------------------------------------------
probe() {
  echo "## nvidia-smi"; nvidia-smi 2>&1 || true
  echo "## nvcc"; (command -v nvcc && nvcc --version) 2>&1 || echo "nvcc not on PATH"
  echo "## cmake"; cmake --version 2>&1 | head -n 1 || true
  echo "## python: $python"
  "$python" -c 'import sys; print(sys.version)' 2>&1 || true
  "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "cuda available", torch.cuda.is_available())' 2>&1 || true
  echo "## cuDNN / cuBLAS wheels"; "$python" "$root/cmake/nvidia_wheel_dirs.py" 2>&1 || true
  echo "## system cuDNN / cuBLAS"; ls /usr/include/cudnn*.h /usr/include/x86_64-linux-gnu/cudnn*.h /usr/local/cuda/include/cublas_v2.h 2>/dev/null || true
}
run probe 30 5 "environment probe" probe
gpu="$(nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -n 1)"
note "gpu: ${gpu:-none}"
note "nvcc: $(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p' || true)"
note "torch: $("$python" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())' 2>/dev/null || echo none)"
note "wheels: $("$python" "$root/cmake/nvidia_wheel_dirs.py" 2>/dev/null | grep _library | paste -sd ' ')"
if [[ -z "$gpu" ]]; then
  for s in kit build kernel-check info self-check bench-fp32 bench-tf32 gpu-parity kernel-bench memcheck gpu-tests; do
    skip "$s" "no GPU"
  done
  pack nogpu
  exit 0
fi

# --- kit --------------------------------------------------------------------------------------------------
kit="${GRADCAM4J_KIT:-$root/.offline/kit}"
unpack_kit() {
  local archive="$kit"
  [[ -f "$archive" ]] || archive="$root/.offline/gradcam4j-offline-kit.tar.xz"
  [[ -f "$archive" ]] || { echo "no kit archive"; return 1; }
  mkdir -p "$root/.offline"
  tar -C "$root/.offline" -xJf "$archive" ||
    "$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$archive" "$root/.offline"
}
if [[ ! -d "$kit" ]] && [[ -f "$kit" || -f "$root/.offline/gradcam4j-offline-kit.tar.xz" ]]; then
  run kit 60 10 "unpack the offline kit" unpack_kit
  kit="$root/.offline/kit"
fi
java="$kit/runtime/bin/java"
console="$(ls "$kit"/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)"
have_kit=0
if [[ -x "$java" && -d "$kit/classes" ]]; then
  have_kit=1
  note "kit: $(sed -n 's/^commit: //p' "$kit/KIT.txt" 2>/dev/null); $("$java" -version 2>&1 | head -n 1)"
else
  fail_loudly "no usable offline kit (make it with tools/make-offline-kit.sh and bring .offline/gradcam4j-offline-kit.tar.xz): the Java steps cannot run" kit
fi

# --- build for this GPU only ------------------------------------------------------------------------------
arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .')"
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${arch:-90}" -DGRADCAM4J_PYTHON="$(command -v "$python" || echo "$python")")
(( have_kit )) && cmake_args+=(-DJAVA_INCLUDE_PATH="$kit/jni-include" -DJAVA_INCLUDE_PATH2="$kit/jni-include/linux")
nvcc_path="$(command -v nvcc || true)"
[[ -z "$nvcc_path" && -x /usr/local/cuda/bin/nvcc ]] && nvcc_path=/usr/local/cuda/bin/nvcc
if [[ -z "$nvcc_path" ]]; then  # the nvcc pip wheel: nvidia/cu13/bin (CUDA 13) or nvidia/cuda_nvcc/bin (CUDA 12)
  nvcc_path="$("$python" -c 'import importlib.util as u, os
s = u.find_spec("nvidia")
for p in (s.submodule_search_locations if s else []):
    for d in ("cu13", "cu12", "cuda_nvcc"):
        f = os.path.join(p, d, "bin", "nvcc")
        if os.path.isfile(f):
            print(f)
            raise SystemExit' 2>/dev/null)"
fi
note "nvcc used: ${nvcc_path:-none found}"
[[ -n "$nvcc_path" ]] && cmake_args+=(-DCMAKE_CUDA_COMPILER="$nvcc_path")
build_native() {
  cmake -S "$root" -B "$build" "${cmake_args[@]}" && cmake --build "$build" -j "$jobs"
}
built=0
if run build 240 30 "configure + build for sm_${arch:-90}" build_native; then
  built=1
else
  fail_loudly "a GPU is present but the native build failed (logs/build.log)" native
fi
grep -h 'gradcam4j_native:' "$work/logs/build.log" 2>/dev/null | sed 's/^-- /  /' | tee -a "$results"
library="$build/lib/libgradcam4j_native.so"
if (( built )) && ! grep -q 'cuDNN engine built$' "$work/logs/build.log"; then
  fail_loudly "a GPU is present but the cuDNN engine was not built (see the gradcam4j_native lines: cuDNN 9 / cuBLAS not found?)" engine
fi
# The libraries the build linked (from pip wheels: outside the loader's path) must be found at run time.
for lib in $(sed -n 's/^\(cudnn\|cublas\)_library=//p' < <("$python" "$root/cmake/nvidia_wheel_dirs.py" 2>/dev/null)); do
  [[ -n "$lib" ]] && export LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done

# --- kernels, info, self-check, benches, parity ------------------------------------------------------------
if (( built )); then
  run kernel-check 90 20 "kernel parity suite (GPU vs CPU references)" "$build/bin/gradcam4j_kernel_check"
else
  skip kernel-check "no native build"
fi

java_opts=(-Xmx24g -Xss4m --enable-native-access=ALL-UNNAMED -Dgradcam4j.native.path="$library")
classpath="$kit/classes:$(ls "$kit"/lib/*.jar 2>/dev/null | paste -sd ':')"
cli=("$java" "${java_opts[@]}" -cp "$classpath" org.gradcam4j.cli.Main)
if (( have_kit && built )); then
  run info 30 5 "gradcam4j info" "${cli[@]}" info
  if ! grep -q '^  cuda: available' "$work/logs/info.log" || ! grep -q '^cuDNN: cuDNN' "$work/logs/info.log"; then
    fail_loudly "a GPU is present but the cuDNN engine does not load ($(grep -E '^  cuda:|^cuDNN:' "$work/logs/info.log" | paste -sd ';'))" engine-load
  fi
  run self-check 120 30 "explain --device cuda (the engine's self-check against the CPU backend, then Grad-CAM)" \
    "${cli[@]}" explain "$root/java/src/main/resources/org/gradcam4j/samples" --weights demo --device cuda \
    --method gradcam --out "$work/self-check-out"
  peer=(--python "$python" --tools "$root/tools")
  "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null || peer=(--no-peer)
  for p in fp32 tf32; do
    run "bench-$p" 120 40 "bench cuda, batches 64 and 1, $p ${peer[*]:0:1}" "${cli[@]}" bench cuda --batches 64,1 \
      --precision "$p" --warmup 1 --reps 3 "${peer[@]}" --json "$work/bench-cuda-$p.json"
    grep -h '^bench cuda: skipped' "$work/logs/bench-$p.log" 2>/dev/null | sed 's/^/  /' | tee -a "$results"
  done
else
  for s in info self-check bench-fp32 bench-tf32; do skip "$s" "$( (( have_kit )) && echo "no native build" || echo "no offline kit")"; done
fi

junit() {
  local name="$1" max="$2" detail="$3"
  shift 3
  run "$name" "$max" 30 "$detail" "$java" "${java_opts[@]}" -jar "$console" execute --disable-banner \
    --disable-ansi-colors --details=summary --class-path "$kit/test-classes:$classpath" --include-tag gpu \
    --fail-if-no-tests --reports-dir "$work/logs/junit-$name" "$@"
  # "[ 14 tests aborted ]": assumptions that failed (no usable device) count as aborted, not failed
  local summary
  summary="$(grep -E '^\[ +[0-9]+ tests (successful|failed|aborted)' "$work/logs/$name.log" 2>/dev/null |
             tr -d '[]' | awk '{$1=$1; print}' | paste -sd ',' | sed 's/,/, /g')"
  [[ -n "$summary" ]] && note "  $name: $summary"
  return 0
}
if (( have_kit && built )) && [[ -n "$console" ]]; then
  junit gpu-parity 180 "GPU parity suite: every method, CUDA vs CPU backend" \
    --select-class org.gradcam4j.backend.cuda.CudaParityGpuTest
else
  skip gpu-parity "no kit, console launcher or native build"
fi

# --- while time remains ------------------------------------------------------------------------------------
if (( built )); then
  run kernel-bench 60 20 "kernel timings, achieved GB/s" "$build/bin/gradcam4j_kernel_check" --bench
  if command -v compute-sanitizer >/dev/null 2>&1; then
    run memcheck 90 30 "compute-sanitizer memcheck on the quick kernel suite" compute-sanitizer --tool memcheck \
      --error-exitcode 1 "$build/bin/gradcam4j_kernel_check" --quick
  else
    skip memcheck "compute-sanitizer not found"
  fi
else
  skip kernel-bench "no native build"
  skip memcheck "no native build"
fi
if (( have_kit && built )) && [[ -n "$console" ]]; then
  junit gpu-tests 240 "the other @Tag(\"gpu\") JUnit tests" --scan-class-path "$kit/test-classes" \
    --exclude-classname '.*CudaParityGpuTest'
else
  skip gpu-tests "no kit, console launcher or native build"
fi

pack done
exit $(( failures > 0 ? 1 : 0 ))
