#!/usr/bin/env bash
# Builds the offline kit that tools/gpu-first-run.sh needs on a GPU machine with no internet and no JDK:
#
#   .offline/kit/runtime/          a jlink'ed Java runtime (from the Temurin JDK under /usr/lib/jvm)
#   .offline/kit/jni-include/      jni.h and jni_md.h (the runtime has no headers; CMake needs them for the
#                                  JNI library)
#   .offline/kit/classes/          compiled main classes and resources (no native library in them)
#   .offline/kit/test-classes/     compiled tests
#   .offline/kit/lib/              the test class path's jars (JUnit left out: the console launcher has it)
#   .offline/kit/junit-platform-console-standalone-<v>.jar   matching the pom's JUnit
#   .offline/kit/KIT.txt           what went in
#
# and packs it as .offline/gradcam4j-offline-kit.tar.xz (.offline/ is git-ignored). xz because it is ~10%
# smaller than gzip here. The archive travels to the GPU machine together with the working tree, and both
# together must stay under 64 MiB: the script refuses (exit 1) to leave a kit that would not fit beside the
# tree as it is now. Lean by construction: only the core module's classes and its test class path, without
# optional modules' dependencies (Spark, Scala, Hadoop). gpu-first-run.sh unpacks it with tar, or Python's
# tarfile where tar lacks xz.
#
#   tools/make-offline-kit.sh            # JDK: the newest /usr/lib/jvm/temurin-*; override with KIT_JDK=/path
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/.offline"
kit="$out/kit"
archive="$out/gradcam4j-offline-kit.tar.xz"
limit_bytes=$(( 64 * 1024 * 1024 ))  # the transfer limit for the working tree and the kit together
margin_bytes=$(( 1024 * 1024 ))      # room for the files a session adds before it carries the tree
# The core module: the root pom while it is a single module, java/pom.xml once the root aggregates modules.
pom=(-f pom.xml)
module="$root"
if grep -q '<modules>' pom.xml && [[ -f java/pom.xml ]]; then
  pom=(-f java/pom.xml)
  module="$root/java"
fi
dependency_plugin="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# Offline first; online only for what the local repository lacks (the offline attempt's complaint is then noise).
mvn_offline_first() {
  local log rc=0
  log="$(mktemp)"
  if mvn -q -B -o "$@" > "$log" 2>&1; then
    cat "$log"
  else
    echo "make-offline-kit: not all in the local Maven repository; resolving online: $*" >&2
    mvn -q -B "$@" || rc=$?
  fi
  rm -f "$log"
  return "$rc"
}

jdk="${KIT_JDK:-}"
if [[ -z "$jdk" ]]; then
  for candidate in /usr/lib/jvm/temurin-*; do
    [[ -x "$candidate/bin/jlink" ]] && jdk="$candidate"  # glob order: the last is the newest
  done
fi
if [[ -z "$jdk" || ! -x "$jdk/bin/jlink" ]]; then
  echo "make-offline-kit: no Temurin JDK with jlink under /usr/lib/jvm (set KIT_JDK)" >&2
  exit 1
fi
jdk_version="$("$jdk/bin/java" -version 2>&1 | head -n 1)"
junit_version="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -n 1)"
if [[ ! "$junit_version" =~ ^5\.([0-9]+\.[0-9]+.*)$ ]]; then
  echo "make-offline-kit: cannot read a JUnit 5 version from pom.xml (got '$junit_version')" >&2
  exit 1
fi
platform_version="1.${BASH_REMATCH[1]}"  # JUnit Jupiter 5.x.y ships with Platform 1.x.y

rm -rf "$kit" "$archive"
mkdir -p "$kit"

echo "== runtime: jlink from $jdk ($jdk_version)"
"$jdk/bin/jlink" \
  --add-modules java.base,java.desktop,java.logging,jdk.unsupported,jdk.httpserver,java.net.http,jdk.management \
  --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$kit/runtime"
# --strip-debug keeps libjvm.so's symbol table: 5 MB that only name frames in a JVM crash log. The kit has to fit
# in ~60 MB, so it goes (the dynamic symbols stay: the JVM still loads and links).
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$kit/runtime/lib/server/libjvm.so"
fi
mkdir -p "$kit/jni-include/linux"
cp "$jdk/include/jni.h" "$kit/jni-include/"
cp "$jdk/include/linux/jni_md.h" "$kit/jni-include/linux/"

echo "== classes and tests (compiled, not run)"
mvn_offline_first "${pom[@]}" -DskipTests test-compile
cp -r "$module/target/classes" "$kit/classes"
cp -r "$module/target/test-classes" "$kit/test-classes"
rm -rf "$kit/classes/org/gradcam4j/native"  # a -Pnative build's library: the GPU machine builds its own

echo "== test class path"
mvn_offline_first "${pom[@]}" "$dependency_plugin:copy-dependencies" -DincludeScope=test \
  -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian,org.apache.spark,org.scala-lang,org.scala-lang.modules,org.apache.hadoop \
  -DoutputDirectory="$kit/lib"
mvn_offline_first "${pom[@]}" "$dependency_plugin:copy" \
  -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform_version" -DoutputDirectory="$kit"

{
  echo "gradcam4j offline kit"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "runtime: $jdk_version, jlink'ed"
  echo "junit: jupiter $junit_version, platform $platform_version (console launcher)"
  echo "jars: $(ls "$kit/lib" | wc -l)"
} > "$kit/KIT.txt"

echo "== packing $archive"
"$kit/runtime/bin/java" -version >/dev/null 2>&1 || { echo "make-offline-kit: the jlink'ed runtime does not start" >&2; exit 1; }
XZ_OPT="${XZ_OPT:--6}" tar -C "$out" -cJf "$archive" kit
bytes="$(stat -c %s "$archive")"
# What travels beside the kit: the tracked files and the untracked ones git does not ignore.
tree_bytes="$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')"
total=$(( bytes + tree_bytes ))
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "make-offline-kit: $archive: $(mib "$bytes") (runtime $(du -sh "$kit/runtime" | cut -f1), jars $(du -sh "$kit/lib" | cut -f1) unpacked); working tree $(mib "$tree_bytes"); together $(mib "$total") of $(mib "$limit_bytes")"
if (( total + margin_bytes > limit_bytes )); then
  echo "make-offline-kit: REFUSED: the kit and the working tree together ($(mib "$total"), plus a $(mib "$margin_bytes") margin) do not fit the $(mib "$limit_bytes") transfer limit; the kit was removed" >&2
  rm -f "$archive"
  exit 1
fi
