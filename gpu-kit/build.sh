#!/usr/bin/env bash
# gpu-kit/build.sh: builds target/gpu-kit/, a self-contained folder that runs clengine on a machine with an
# OpenCL driver but no Java and no network (the lent NVIDIA machines). Run as `./clengine gpu-kit` or directly.
#
#   target/gpu-kit/
#     run.sh                    finds the OpenCL driver, runs devices, verify and the benchmarks (see README.md)
#     measure.sh                issue #13's GPU measurement in one call: verify with both kernel families, tune,
#                               benchmarks against PyTorch CUDA and the copy kernel (see README.md)
#     jre/                      jlink runtime: only the modules jdeps finds in the jars below
#     clengine-cli.jar          the engine's CLI (org.clengine.cli.Main), from cli/target/clengine-cli.jar
#     clengine-benchmarks.jar   only when benchmarks/target/clengine-benchmarks.jar exists
#     lib/libOpenCL.so.1        the ocl-icd loader (also as libOpenCL.so, the name older JOCLs ask for)
#     lib/libJOCL_*.so          JOCL's JNI library, loaded through java.library.path instead of a /tmp copy
#     lib/fallback/             libz, libstdc++, libgcc_s: used by run.sh only if the target lacks them
#     peers/                    PyTorch peer script for the same shapes, and compare.py (measure.sh's summary)
#     KIT.txt                   what went in: commit, JDK, modules, sizes
#
# Environment: GPU_KIT_JDK (a JDK with jlink; default: JAVA_HOME, then the java on PATH), GPU_KIT_MAX_MIB (60).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT=$ROOT/target/gpu-kit
CLI_JAR=$ROOT/cli/target/clengine-cli.jar
BENCH_JAR=$ROOT/benchmarks/target/clengine-benchmarks.jar
MAX_MIB=${GPU_KIT_MAX_MIB:-60}
# The build machine's architecture must be the target's: the lent machines are x86-64.
ARCH_DIR=/usr/lib/x86_64-linux-gnu

die() { echo "gpu-kit: $*" >&2; exit 1; }
say() { echo "gpu-kit: $*"; }

[[ $(uname -m) == x86_64 ]] || die "this builds an x86-64 kit and must run on x86-64 (here: $(uname -m))"

# --- a JDK with jlink and jdeps --------------------------------------------------------------------------------
find_jdk() {
    local candidates=("${GPU_KIT_JDK:-}" "${JAVA_HOME:-}")
    if command -v java >/dev/null; then
        candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    fi
    candidates+=(/usr/lib/jvm/java-17-openjdk-amd64)
    local j
    for j in "${candidates[@]}"; do
        [[ -n $j && -x $j/bin/jlink && -x $j/bin/jdeps ]] && { echo "$j"; return; }
    done
    return 1
}
JDK=$(find_jdk) || die "no JDK with jlink and jdeps found (set GPU_KIT_JDK; on Debian: apt-get install openjdk-17-jdk-headless)"
FEATURE=$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
(( FEATURE >= 17 )) || die "$JDK is Java $FEATURE; the engine needs 17 or later"

# --- the command line's jar, rebuilt when missing or older than its sources or the engine's ----------------------
# The engine is installed into the local Maven repository first (cli/pom.xml depends on it), offline when it can be.
if [[ ! -f $CLI_JAR || -n $(find "$ROOT/src/main" "$ROOT/kernels" "$ROOT/pom.xml" "$ROOT/cli/src/main" "$ROOT/cli/pom.xml" \
        -newer "$CLI_JAR" -print -quit) ]]; then
    command -v mvn >/dev/null || die "$CLI_JAR is missing or stale and mvn is not on PATH"
    say "building $CLI_JAR"
    (cd "$ROOT" && { mvn -q -B -o install -DskipTests || mvn -q -B install -DskipTests; })
    touch "$ROOT/target/.installed"  # the launcher's mark of an up-to-date installed engine
    (cd "$ROOT" && { mvn -q -B -o -f cli/pom.xml clean package -DskipTests || mvn -q -B -f cli/pom.xml clean package -DskipTests; })
fi
[[ -f $CLI_JAR ]] || die "$CLI_JAR was not built"

rm -rf "$KIT"
mkdir -p "$KIT/lib/fallback" "$KIT/peers"

# --- modules: what jdeps finds, nothing more ----------------------------------------------------------------------
modules_of() {
    "$JDK/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release "$FEATURE" "$1"
}
# java.desktop is dropped: jdeps finds it through XChart (the train and experiment plots), which the kit never
# draws. The command classes keep XChart out of their signatures (TrainRun, ExperimentRun), so picocli's start-up
# reflection does not load it either (gpu-kit/selftest.sh runs every command's --help on the kit).
# It would add ~12 MiB to the runtime and ~6 MiB of X11 fallback libraries.
MODULES=$(modules_of "$CLI_JAR" | tr ',' '\n' | grep -vx java.desktop | paste -sd,)
if [[ -f $BENCH_JAR ]]; then
    # JMH: java.management and jdk.unsupported (jdeps finds both); jdk.management for its GC/compiler profilers.
    # java.desktop is dropped: only commons-math3's geometry package (java.awt.geom) uses it, and JMH never
    # loads that package. It would add ~12 MiB.
    BENCH_MODULES=$(modules_of "$BENCH_JAR" | tr ',' '\n' | grep -vx java.desktop | paste -sd,)
    MODULES=$(printf '%s,%s,jdk.management' "$MODULES" "$BENCH_MODULES" | tr ',' '\n' | sort -u | paste -sd,)
fi
say "modules: $MODULES"

# --- the runtime ---------------------------------------------------------------------------------------------------
if (( FEATURE >= 21 )); then COMPRESS=zip-9; else COMPRESS=2; fi
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress="$COMPRESS" --output "$KIT/jre"
# Debian's libjvm.so keeps its symbol table (~4 MiB); hs_err files then name fewer frames, which is acceptable here.
if command -v strip >/dev/null; then
    find "$KIT/jre" -name '*.so' -exec strip --strip-unneeded {} +
fi

# --- jars, JNI library, ICD loader ------------------------------------------------------------------------------------
cp "$CLI_JAR" "$KIT/clengine-cli.jar"
if [[ -f $BENCH_JAR ]]; then
    cp "$BENCH_JAR" "$KIT/clengine-benchmarks.jar"
else
    say "no $BENCH_JAR: the kit is built without benchmarks (run.sh will skip that step)"
fi
JOCL_LIB=$(unzip -Z1 "$CLI_JAR" 'lib/libJOCL_*-linux-x86_64.so' | head -1)
[[ -n $JOCL_LIB ]] || die "no lib/libJOCL_*-linux-x86_64.so inside $CLI_JAR"
unzip -q -j "$CLI_JAR" "$JOCL_LIB" -d "$KIT/lib"

ICD_LOADER=$(readlink -f "$ARCH_DIR/libOpenCL.so.1" 2>/dev/null || true)
[[ -f $ICD_LOADER ]] || die "no $ARCH_DIR/libOpenCL.so.1 (apt-get install ocl-icd-libopencl1)"
grep -q OCL_ICD_VENDORS "$ICD_LOADER" || die "$ICD_LOADER is not the ocl-icd loader (run.sh relies on OCL_ICD_VENDORS)"
cp "$ICD_LOADER" "$KIT/lib/libOpenCL.so.1"
# JOCL 2.0.6 dlopens libOpenCL.so.1, then libOpenCL.so (2.0.5 tried only libOpenCL.so): the kit answers to both
# names, so whichever JOCL opens through LD_LIBRARY_PATH is the kit's loader.
cp "$ICD_LOADER" "$KIT/lib/libOpenCL.so"

# Libraries outside glibc that the runtime, JOCL and the loader link against. Every Linux with a GPU driver has
# them; run.sh adds this folder only if the kit's java does not start without it.
command -v readelf >/dev/null || die "readelf (binutils) is needed to list the kit's library dependencies"
NEEDED=$(find "$KIT/jre" "$KIT/lib" -maxdepth 3 -type f \( -name '*.so*' -o -path '*/bin/*' \) \
    -exec readelf -d {} + 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u)
for lib in $NEEDED; do
    case $lib in
        libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|ld-linux*|libresolv.so.*) continue ;;
    esac
    [[ -e $KIT/jre/lib/$lib || -e $KIT/jre/lib/server/$lib || -e $KIT/lib/$lib ]] && continue
    [[ -e $ARCH_DIR/$lib ]] && cp -L "$ARCH_DIR/$lib" "$KIT/lib/fallback/$lib"
done

# --- scripts and notes ------------------------------------------------------------------------------------------------
cp "$ROOT/gpu-kit/run.sh" "$ROOT/gpu-kit/measure.sh" "$KIT/"
cp "$ROOT/gpu-kit/peers/torch_peers.py" "$ROOT/gpu-kit/peers/compare.py" "$KIT/peers/"
chmod +x "$KIT/run.sh" "$KIT/measure.sh"

SIZE_BYTES=$(du -sb "$KIT" | cut -f1)
SIZE_MIB=$(awk -v b="$SIZE_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
{
    echo "clengine gpu-kit"
    echo "built:    $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm)"
    echo "commit:   $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "jdk:      $("$JDK/bin/java" -version 2>&1 | head -1) from $JDK"
    echo "modules:  $MODULES"
    echo "loader:   $ICD_LOADER"
    echo "jni:      $JOCL_LIB"
    echo "fallback: $(ls "$KIT/lib/fallback" | paste -sd' ')"
    echo "bench:    $([[ -f $KIT/clengine-benchmarks.jar ]] && echo included || echo absent)"
    echo "size:     $SIZE_MIB MiB ($SIZE_BYTES bytes)"
    echo
    (cd "$KIT" && du -sk jre lib peers ./*.jar 2>/dev/null | awk '{ printf "%8.1f MiB  %s\n", $1 / 1024, $2 }')
} > "$KIT/KIT.txt"
cat "$KIT/KIT.txt"

if (( SIZE_BYTES > MAX_MIB * 1048576 )); then
    die "the kit is $SIZE_MIB MiB, over the limit of $MAX_MIB MiB"
fi
say "built $KIT ($SIZE_MIB MiB)"
