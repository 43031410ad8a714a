#!/usr/bin/env bash
# The pipelined `gradcam4j eval` against `eval --sequential` (docs/SPEED.md, "The pipelined explain"): whole processes
# on the same folder of photos (tools/make_e2e_photos.py makes 32 of mixed sizes) with the same seeded random VGG16
# model file, taking turns, 1 untimed round + N timed, medians. The ground truth is made up (every photo: class 0, the
# box 16..200 x 16..200): the scores mean nothing, the work is eval's (decode, explain the ground-truth class, boxes at
# the photo's size, pointing game, fidelity passes where asked). Both modes' printed tables must agree, or it stops.
#
#   tools/bench-eval.sh --photos DIR [--reps N] [-- EVAL_OPTIONS...]
#
# EVAL_OPTIONS default to `--methods gradcam,gradcampp --fidelity-images 0`. The load average is printed before and
# after: on a shared machine the ratio of the two modes (taking turns) is what means something, and the CPU time
# (user + system, per process) shows whether the pipeline costs work or only overlaps it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
photos="" reps=3
eval_args=(--methods gradcam,gradcampp --fidelity-images 0)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --photos) photos="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --) shift; eval_args=("$@"); break ;;
    *) echo "bench-eval: unknown option $1 (usage: tools/bench-eval.sh --photos DIR [--reps N] [-- EVAL_OPTIONS...])" >&2; exit 2 ;;
  esac
done
[[ -d "$photos" ]] || { echo "bench-eval: --photos DIR: a folder of photos (tools/make_e2e_photos.py makes one)" >&2; exit 2; }
launcher="$root/tools/gradcam4j"
"$launcher" --version >/dev/null   # builds the jar when the sources are newer
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# the model: seeded random VGG16 (the weights `bench e2e` uses), as a model file
cat > "$work/WriteModel.java" <<'JAVA'
public class WriteModel {
    public static void main(String[] a) {
        org.gradcam4j.weights.CanonicalModelFile.write(
                org.gradcam4j.model.RandomWeights.model(org.gradcam4j.model.Architecture.vgg16(), 42), java.nio.file.Path.of(a[0]));
    }
}
JAVA
java -Xmx4g -cp "$root/java/target/gradcam4j.jar" "$work/WriteModel.java" "$work/vgg16.gradcam4j.h5"
mkdir "$work/data"
{
  echo "file,class,xmin,ymin,xmax,ymax"
  for f in "$photos"/*; do
    case "${f,,}" in *.jpg|*.jpeg|*.png|*.bmp) echo "$(realpath "$f"),0,16,16,200,200" ;; esac
  done
} > "$work/data/boxes.csv"
n="$(($(wc -l < "$work/data/boxes.csv") - 1))"

echo "bench-eval: gradcam4j eval on $n photos from $photos, seeded random VGG16 model file, ${eval_args[*]}"
echo "whole processes taking turns: 1 untimed round + $reps timed, median; $(nproc) cores; $(java -version 2>&1 | head -1)"
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg)"
declare -A times=() cpu=()
for ((r = 0; r <= reps; r++)); do
  for mode in pipelined sequential; do
    extra=()
    [[ "$mode" == sequential ]] && extra=(--sequential)
    /usr/bin/time -f "%e %U %S" -o "$work/time" \
      "$launcher" eval --data "$work/data" --weights "$work/vgg16.gradcam4j.h5" --device cpu -q "${eval_args[@]}" ${extra[@]+"${extra[@]}"} \
      > "$work/$mode.out" 2> "$work/$mode.err" || { echo "bench-eval: eval ($mode) failed:" >&2; cat "$work/$mode.err" >&2; exit 1; }
    read -r wall user sys < "$work/time"
    if ((r > 0)); then
      times[$mode]+="$wall "
      cpu[$mode]+="$(echo "$user + $sys" | bc -l) "
    fi
  done
  cmp -s <(grep '^|' "$work/pipelined.out") <(grep '^|' "$work/sequential.out") \
    || { echo "bench-eval: the two modes printed different tables" >&2; diff "$work/pipelined.out" "$work/sequential.out" >&2; exit 1; }
done
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
echo
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
seq_med="$(echo "${times[sequential]}" | median)"
printf "%-12s %9s %8s %8s %7s %14s %10s  %s\n" mode "median s" "min s" "max s" img/s "vs sequential" "CPU s" "runs (s)"
for mode in pipelined sequential; do
  med="$(echo "${times[$mode]}" | median)"
  min="$(echo "${times[$mode]}" | tr ' ' '\n' | grep . | sort -g | head -1)"
  max="$(echo "${times[$mode]}" | tr ' ' '\n' | grep . | sort -g | tail -1)"
  runs="$(for t in ${times[$mode]}; do printf "%.2f " "$t"; done)"
  printf "%-12s %9.2f %8.2f %8.2f %7.2f %13.2fx %10.2f  %s\n" "$mode" "$med" "$min" "$max" "$(echo "$n / $med" | bc -l)" \
    "$(echo "$seq_med / $med" | bc -l)" "$(echo "${cpu[$mode]}" | median)" "$runs"
done
echo "vs sequential = the sequential median / this row's median (higher: faster); CPU s = the median of user + system time"
