#!/usr/bin/env bash
# Scaling benchmark of the Spark job (docs/SPARK.md) against the single-process CLI on the same images and the same
# total number of cores C: `gradcam4j explain --threads C` in one JVM, then ExplainJob in local mode (local[C]) and on a
# standalone cluster on this machine (master + 2 workers on 127.0.0.1) with 1 executor of C cores and with 2 executors
# of C/2 cores. Each configuration runs on N1 and on N2 images (--images N1,N2), end to end (JVM start, model load,
# Spark's start-up and executor launch, the work, the output).
#
# Definitions (printed with the table):
#   rate   the marginal rate (N2 - N1) / (T2 - T1): what a large dataset runs at once everything has started. JVM, Spark
#          and executor start-up and every model load happen once per run, so they cancel in the difference; "fixed"
#          is the wall time's intercept at 0 images, T1 - N1 / rate.
#   vs CLI the rate over the CLI's rate.
#   work   (Spark only) images over the time in which some task had its model ready and was explaining (from the
#          job's --task-log: the union of the tasks' [ready, end] spans, N2 run): the job's own throughput with
#          start-up and model loads left out, a check on the marginal rate that wall-clock noise cannot swamp.
# With one size (--images N) only N / T is given. Differences between configurations are only meaningful on a quiet
# machine: the load average at the start and the end is printed.
#
# CPU time (user + system) is measured too, and its marginal figure per image is the steadier measure on a shared
# machine: the CLI's and the local job's process; on the cluster the driver's plus the executors' (children of the
# workers, counted when the worker reaps them).
#
#   tools/bench-spark.sh [--images N1[,N2]] [--weights W] [--method M] [--cores C] [--batch B] [--image FILE]
#       [--configs cli,local,one,two] [--job-java-opts OPTS]
#
# --images: default 336,1008, large enough that the marginal rate is the steady state a dataset runs at (JIT warm-up
# of Spark's own code, per-task set-up and the job's start and end are over by then); the four configurations take
# about 16 minutes on 2 cores. Smaller sizes (8,40) finish in 3 minutes but measure warm-up more than the job.
# --weights: default model-file, a seeded random VGG16 written as a gradcam4j model file for the run and mapped by
# every JVM as `--weights vgg16` maps the fetched one (no network needed); random:vgg16 builds the same weights in each
# JVM's heap instead (half a gigabyte of live heap that the job's garbage collector marks over and over).
#
# --job-java-opts: JVM options of the Spark drivers and executors beyond the module flags (default: none), to measure
# what a JVM option changes (BENCHMARKS.md, "Spark").
#
# Every process it starts (drivers, CLI, master, workers, executors) is stopped when it ends, also on Ctrl-C.
# KEEP_WORK=1 keeps its work folder (logs of the master, workers and executors) for a look afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
images=336,1008 weights=model-file method=gradcam cores=2 batch=8 configs=cli,local,one,two heap=4g
load_before="$(cut -d" " -f1-3 /proc/loadavg)"
command_line="tools/bench-spark.sh $*"
image="$root/java/src/main/resources/org/gradcam4j/data/cat_dog.png"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) images="$2"; shift 2 ;;
    --weights) weights="$2"; shift 2 ;;
    --method) method="$2"; shift 2 ;;
    --cores) cores="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --configs) configs="$2"; shift 2 ;;
    --job-java-opts) job_opts="$2"; shift 2 ;;
    *) echo "bench-spark: unknown option $1" >&2; exit 2 ;;
  esac
done
if (( cores < 2 || cores % 2 )); then echo "bench-spark: --cores must be even and >= 2 (2 executors of C/2 cores)" >&2; exit 2; fi

echo "== building" >&2
(cd "$root" && mvn -q -B -Dmaven.test.skip=true -pl spark -am package) >&2
jar="$root/spark/target/gradcam4j-spark.jar"
jars="$root/spark/target/spark-jars"
cp="$jar:$jars/*"
module_opts="$(java -cp "$cp" org.gradcam4j.spark.SparkJavaOptions)"
job_opts="${job_opts-}"

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    pkill -KILL -P "$p" 2>/dev/null || true   # the workers' executor JVMs
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  [[ -n "${KEEP_WORK:-}" ]] && echo "work folder kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/spark-home"
IFS=, read -r -a sizes <<< "$images"
ext="${image##*.}"
for n in "${sizes[@]}"; do
  mkdir -p "$work/in$n"
  for ((i = 0; i < n; i++)); do cp "$image" "$work/in$n/$(printf 'img%03d' "$i").$ext"; done
done
ln -s "$jars" "$work/spark-home/jars"
weights_label="$weights"
if [[ "$weights" == model-file ]]; then   # a seeded random VGG16 as a model file: mapped, as `--weights vgg16` is
  cat > "$work/WriteModelFile.java" <<'JAVA'
public class WriteModelFile {
    public static void main(String[] a) {
        org.gradcam4j.model.Model m = org.gradcam4j.model.RandomWeights.model(org.gradcam4j.model.Architecture.vgg16(), 42);
        org.gradcam4j.weights.CanonicalModelFile.write(m, java.nio.file.Path.of(a[0]), true);
    }
}
JAVA
  echo "== writing a seeded random VGG16 model file" >&2
  java -cp "$root/java/target/gradcam4j.jar" "$work/WriteModelFile.java" "$work/vgg16-random.model" >&2
  weights="$work/vgg16-random.model"
  weights_label="model-file (a seeded random VGG16 written as a gradcam4j model file, mapped)"
fi
want() { [[ ",$configs," == *",$1,"* ]]; }

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
declare -a rows
cli_rate=""
times=() cpus=() works=()
cpu_line=""
cpu_of() { awk '{ print $1 + $2 }' "$work/cpu"; }   # user + sys seconds of the last timed command and its children
# user + sys seconds of the reaped children (the executors) of the worker JVMs; /proc/PID/stat fields 16, 17 after
# the command name, which is in parentheses
reaped_cpu() {
  local total=0 p
  for p in "${workers[@]}"; do
    total="$(calc "$total + $(sed 's/^.*) //' "/proc/$p/stat" | awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }')")"
  done
  echo "$total"
}
executors_gone() {  # waits (up to a minute) until the workers have reaped their executor JVMs
  local p
  for _ in $(seq 300); do
    for p in "${workers[@]}"; do pgrep -P "$p" > /dev/null && { sleep 0.2; continue 2; }; done
    return 0
  done
  echo "bench-spark: an executor JVM outlived its application" >&2
}
workers=()
record() {  # name: the wall times of this configuration are in times[], one per size; works[]: the job's work rates
  local rate ratio fixed="-" walls="" work="-"
  for t in "${times[@]}"; do walls+="$(printf '%7.1f s' "$t")"; done
  if (( ${#sizes[@]} >= 2 )); then
    rate="$(calc "(${sizes[1]} - ${sizes[0]}) / (${times[1]} - ${times[0]})")"
    fixed="$(calc "${times[0]} - ${sizes[0]} / $rate")"
    fixed="$(printf '%.1f s' "$fixed")"
  else
    rate="$(calc "${sizes[0]} / ${times[0]}")"
  fi
  if [[ "$1" == cli* ]]; then cli_rate="$rate"; fi
  ratio="-"
  [[ -n "$cli_rate" ]] && ratio="$(printf '%.2fx' "$(calc "$rate / $cli_rate")")"
  (( ${#works[@]} > 0 )) && work="$(printf '%.3f img/s' "${works[-1]}")"
  rows+=("$(printf '%-30s %s %10s %8.3f img/s %6s %15s' "$1" "$walls" "$fixed" "$rate" "$ratio" "$work")")
  echo "${rows[-1]}" >&2
  if (( ${#cpus[@]} >= 2 )); then   # CPU seconds per image at the margin: the work, whatever else loads the machine
    cpu_line+="$(printf '%-30s CPU %7.1f s %7.1f s, marginal %6.2f CPU s per image' "$1" "${cpus[0]}" "${cpus[1]}" \
      "$(calc "(${cpus[1]} - ${cpus[0]}) / (${sizes[1]} - ${sizes[0]})")")"$'\n'
  fi
  cpus=() works=()
}

# images / union of the tasks' [ready, end] spans, from a --task-log file (JSON lines)
work_rate() {
  python3 - "$1" <<'PY' 2>/dev/null || echo 0
import json, sys
t = sorted((r["readyMillis"], r["endMillis"], r["images"]) for r in map(json.loads, open(sys.argv[1])))
busy, until, images = 0, None, 0
for a, b, n in t:
    images += n
    a = max(a, until) if until is not None else a
    if b > a: busy += b - a
    until = b if until is None else max(until, b)
print(images * 1000.0 / busy if busy else 0)
PY
}

common=(--weights "$weights" --method "$method" --batch "$batch" --save json)

if want cli; then
  echo "== CLI: gradcam4j explain --threads $cores" >&2
  times=()
  for n in "${sizes[@]}"; do
    t0="$(now)"
    TIMEFORMAT='%U %S'
    { time java -Xmx"$heap" -jar "$root/java/target/gradcam4j.jar" explain "$work/in$n" "${common[@]}" --threads "$cores" -q \
      --out "$work/cli$n" > "$work/log" 2>&1; } 2> "$work/cpu" &
    pids+=($!)
    wait "$!" || { cat "$work/log" >&2; exit 1; }
    times+=("$(calc "$(now) - $t0")")
    cpus+=("$(cpu_of)")
  done
  record "cli --threads $cores"
fi

export SPARK_HOME="$work/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
driver() {  # name [-Dconf...] -- [job args]
  local name="$1"; shift
  local props=()
  while [[ "$1" != "--" ]]; do props+=("$1"); shift; done
  shift
  times=()
  for n in "${sizes[@]}"; do
    local reaped0=0
    (( ${#workers[@]} )) && reaped0="$(reaped_cpu)"
    t0="$(now)"
    TIMEFORMAT='%U %S'
    # shellcheck disable=SC2086
    { time java $module_opts $job_opts -Xmx"$heap" -Dspark.driver.host=127.0.0.1 -Dspark.driver.bindAddress=127.0.0.1 -Dspark.ui.enabled=false \
      "${props[@]}" -cp "$cp" org.gradcam4j.spark.ExplainJob --input "$work/in$n" "${common[@]}" --progress-seconds 0 \
      --task-log "$work/tasks" --out "$work/out-$n-${name//[^a-z0-9]/_}" "$@" > "$work/log" 2>&1; } 2> "$work/cpu" &
    pids+=($!)
    wait "$!" || { cat "$work/log" >&2; exit 1; }
    times+=("$(calc "$(now) - $t0")")
    if [[ "$name" == *local* ]]; then
      cpus+=("$(cpu_of)")
    else   # on a cluster the work is in the executors' JVMs: the driver's CPU and theirs, once the workers reaped them
      executors_gone
      cpus+=("$(calc "$(cpu_of) + $(reaped_cpu) - $reaped0")")
    fi
    works+=("$(work_rate "$work/tasks")")
    grep -E "executor .*images/s" "$work/log" | sed "s/^/    $n images: /" >&2
  done
  record "$name"
}

if want local; then
  echo "== Spark local[$cores]" >&2
  driver "spark local[$cores]" -- --master "local[$cores]"
fi
if want one || want two; then

echo "== Spark standalone: master + 2 workers on 127.0.0.1" >&2
port=$((20000 + RANDOM % 20000)); ui=$((port + 1))
# shellcheck disable=SC2086
java $module_opts -Xmx256m -Dspark.master.rest.enabled=false -cp "$jars/*" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$port" --webui-port "$ui" > "$work/master.log" 2>&1 &
pids+=($!)
for w in 1 2; do
  mkdir -p "$work/w$w-work" "$work/w$w-local"
  # shellcheck disable=SC2086
  java $module_opts -Xmx256m -Dspark.local.dir="$work/w$w-local" -cp "$jars/*" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --port $((port + 1 + 2 * w)) --webui-port $((port + 2 + 2 * w)) --cores "$cores" --memory 8g \
    --work-dir "$work/w$w-work" "spark://127.0.0.1:$port" > "$work/worker$w.log" 2>&1 &
  pids+=($!)
  workers+=($!)
done
registered() { grep -q "Successfully registered with master" "$work/worker1.log" && grep -q "Successfully registered with master" "$work/worker2.log"; }
for _ in $(seq 600); do registered && break; sleep 0.2; done
registered || { echo "bench-spark: the workers did not register" >&2; cat "$work"/*.log >&2; exit 1; }
cluster=(-Dspark.executor.memory="$heap" -Dspark.executorEnv.SPARK_SCALA_VERSION=2.13 "-Dspark.jars=$jar")
[[ -n "$job_opts" ]] && cluster+=("-Dspark.executor.extraJavaOptions=$job_opts")
if want one; then
  driver "spark 1 executor x $cores cores" "${cluster[@]}" -Dspark.executor.cores="$cores" -Dspark.cores.max="$cores" \
    -- --master "spark://127.0.0.1:$port"
fi
if want two; then
  driver "spark 2 executors x $((cores / 2)) cores" "${cluster[@]}" -Dspark.executor.cores=$((cores / 2)) \
    -Dspark.cores.max="$cores" -- --master "spark://127.0.0.1:$port"
fi
fi

echo
echo "command: $command_line"
echo "bench-spark: ${images//,/ and } images ($(basename "$image")), --weights $weights_label --method $method --batch $batch, $cores cores in all, -Xmx$heap per JVM"
echo "Spark drivers' and executors' JVM options beyond the module flags: ${job_opts:-(none)}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), load average at the start: $load_before, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if (( ${#sizes[@]} >= 2 )); then
  echo "rate: marginal images/s between the two sizes (start-up and model loads cancel); fixed: the intercept at 0 images;"
else
  echo "rate: images / wall time, start-up and model loads included (one size; give two, --images N1,N2, for the marginal rate);"
fi
echo "work: Spark's images over the time its tasks were explaining with the model ready (last size); vs CLI: rate / CLI rate"
printf '%-30s %s %10s %14s %6s %15s\n' "configuration" "wall at ${images//,/ and } images" "fixed" "rate" "vs CLI" "work"
printf '%s\n' "${rows[@]}"
if [[ -n "$cpu_line" ]]; then
  printf '\nCPU time (user + system) of the CLI, of the local job, of a cluster job'"'"'s driver and executors:\n%s' "$cpu_line"
fi
