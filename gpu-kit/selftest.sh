#!/usr/bin/env bash
# gpu-kit/selftest.sh [--full] [--no-build] [--no-measure]: builds the kit and proves it runs from a clean environment on this
# machine's OpenCL (PoCL): `env -i`, a PATH holding only symlinks to the few tools run.sh uses (no java, no mvn),
# HOME and TMPDIR in a fresh temporary folder. Four runs:
#
#   1. the NVIDIA path with PoCL standing in: CLENGINE_NVIDIA_OPENCL names PoCL's ICD library, so run.sh writes
#      its private vendors folder and OCL_ICD_VENDORS exactly as it would for libnvidia-opencl.so.1; devices and
#      verify must pass (a batch norm subset; --full runs verify --all); tune matmul and batchnorm must return
#      their tunings; when the kit carries the benchmarks jar, one quick batch-norm benchmark must write its
#      JSON; every CLI command's --help must start on the kit's runtime, which has no java.desktop
#   1b. measure.sh --quick (unless --no-measure): the GPU measurement script end to end on PoCL, torch on the CPU
#   2. the search: a libnvidia-opencl.so.1 found on LD_LIBRARY_PATH ends up in the private ICD file
#   3. the fallback: no NVIDIA library, run.sh must say so and use /etc/OpenCL/vendors (devices only)
#   4. no OpenCL at all (OCL_ICD_VENDORS set to an empty folder): run.sh must exit 3
#
# Prints one line per check and exits non-zero on the first failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT=$ROOT/target/gpu-kit
VERIFY_ARGS="--op batchnorm --shape mb7ic13ih11iw17"
BENCH_ARGS="--op batchnorm --shape mb32ic64ih56iw56 --variant plain --quick"
BUILD=1
MEASURE=1
for arg in "$@"; do
    case $arg in
        --full) VERIFY_ARGS="--all" ;;
        --no-build) BUILD=0 ;;
        --no-measure) MEASURE=0 ;;
        *) echo "usage: selftest.sh [--full] [--no-build] [--no-measure]" >&2; exit 2 ;;
    esac
done

fail() { echo "selftest: FAIL: $*" >&2; exit 1; }
ok() { echo "selftest: ok: $*"; }

(( BUILD )) && "$ROOT/gpu-kit/build.sh" > /dev/null
[[ -x $KIT/run.sh && -x $KIT/jre/bin/java ]] || fail "no kit in $KIT (run gpu-kit/build.sh)"

T=$(mktemp -d "${TMPDIR:-/tmp}/clengine-selftest.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/home" "$T/tmp" "$T/empty-vendors"
# The tools run.sh needs, and nothing else: no java, no mvn. (/bin is /usr/bin on Debian, so PATH=/bin would
# still find java.) `ld` is PoCL's, not run.sh's: PoCL links every kernel with the `ld` it finds on PATH and
# aborts the process without one ("Executable "ld" doesn't exist!"); NVIDIA's driver needs no tools.
for tool in bash cat chmod cp date dirname find grep head ls mkdir mktemp rm sed sort tail tee uname ld; do
    ln -s "$(command -v "$tool")" "$T/bin/$tool"
done
clean_env=(env -i "HOME=$T/home" "PATH=$T/bin" "TMPDIR=$T/tmp" "LANG=C")
found=$("${clean_env[@]}" bash -c 'command -v java mvn javac' || true)
[[ -z $found ]] || fail "the clean PATH still finds: $found"
ok "clean environment: PATH=$T/bin ($(ls "$T/bin" | wc -l) tools), no java or mvn on it"

# PoCL's ICD library, as /etc/OpenCL/vendors/pocl.icd names it, resolved to a path.
pocl=$(head -1 /etc/OpenCL/vendors/pocl.icd 2>/dev/null || true)
[[ -n $pocl ]] || fail "no /etc/OpenCL/vendors/pocl.icd (apt-get install pocl-opencl-icd)"
[[ $pocl == /* ]] || pocl=$(readlink -f "/usr/lib/$(uname -m)-linux-gnu/$pocl")
[[ -f $pocl ]] || fail "PoCL's library $pocl does not exist"

# 1. the NVIDIA path, PoCL standing in for libnvidia-opencl.so.1
start=$(date +%s)
rc=0
"${clean_env[@]}" CLENGINE_NVIDIA_OPENCL="$pocl" CLENGINE_KIT_VERIFY_ARGS="$VERIFY_ARGS" \
    CLENGINE_KIT_BENCH_ARGS="$BENCH_ARGS" CLENGINE_KIT_TUNE_ARGS="--repeats 3" \
    "$KIT/run.sh" "$T/out1" > "$T/run1.txt" 2>&1 || rc=$?
log=$T/out1/run.log
(( rc == 0 )) || { tail -30 "$T/run1.txt" >&2; fail "run.sh exited $rc"; }
grep -q "java.home = $KIT/jre" "$log" || fail "run.sh did not use the kit's java"
grep -q "OCL_ICD_VENDORS=$T/tmp/.*/vendors; nvidia.icd holds: $pocl" "$log" \
    || fail "run.sh did not write a private ICD file for $pocl"
summary=$(tail -1 "$T/out1/verify.txt")
[[ $summary =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] && (( BASH_REMATCH[1] > 0 )) || fail "verify: $summary"
ls "$T/tmp" | grep -q JOCL && fail "JOCL extracted its JNI library into TMPDIR instead of using the kit's"
ok "NVIDIA path with PoCL's ICD ($pocl): verify $VERIFY_ARGS: $summary ($(( $(date +%s) - start )) s)"
for op in matmul:mr batchnorm:target; do
    tuning=$(ls "$T/out1/tunings/${op%:*}"-tuning-*.properties 2>/dev/null | head -1 || true)
    [[ -n $tuning ]] && grep -q "^${op#*:}=" "$tuning" \
        || { tail -30 "$T/out1/tune.txt" >&2; fail "tune ${op%:*} left no tuning in tunings/"; }
done
ok "tune: $(grep '^winner:' "$T/out1/tune.txt" | paste -sd';'); returned: $(ls "$T/out1/tunings" | paste -sd' ')"
if [[ -f $KIT/clengine-benchmarks.jar ]]; then
    grep -q '"op" *: *"batchnorm_fwd_train"' "$T/out1/bench.json" 2>/dev/null \
        || { tail -30 "$T/out1/bench.log" >&2; fail "the kit's benchmarks wrote no batchnorm_fwd_train result"; }
    ok "benchmarks from the kit: $BENCH_ARGS -> bench.json with $(grep -c '"op"' "$T/out1/bench.json") results"
fi
# picocli builds every subcommand at start-up; a command that reaches AWT (XChart) would fail here
for command in "" devices verify bench tune train experiment onnx-test test; do
    "${clean_env[@]}" "$KIT/jre/bin/java" -jar "$KIT/clengine-cli.jar" $command --help > "$T/help.txt" 2>&1 \
        || { cat "$T/help.txt" >&2; fail "clengine $command --help does not run on the kit's runtime"; }
done
ok "every command's --help runs on the kit's runtime ($("$KIT/jre/bin/java" --list-modules | wc -l) modules, \
$("$KIT/jre/bin/java" --list-modules | grep -q '^java.desktop' && echo 'with' || echo 'without') java.desktop)"

# 1b. measure.sh --quick, the GPU measurement's script end to end on PoCL (small shapes, torch on the CPU): both
#     kernel families' verify must pass and each benchmark, the peers and the summary must come back. It also needs
#     env, timeout and python3 (with torch), so it runs on a PATH with those three added.
if (( MEASURE )); then
    mkdir -p "$T/bin-measure"
    cp -P "$T"/bin/* "$T/bin-measure/"
    for tool in env timeout; do ln -s "$(command -v "$tool")" "$T/bin-measure/$tool"; done
    ln -s /usr/bin/python3 "$T/bin-measure/python3"  # Debian's, which has python3-torch
    start=$(date +%s)
    rc=0
    env -i "HOME=$T/home" "PATH=$T/bin-measure" "TMPDIR=$T/tmp" "LANG=C" CLENGINE_NVIDIA_OPENCL="$pocl" \
        CLENGINE_MEASURE_LIMITS="240 240 240 240 240 120" "$KIT/measure.sh" "$T/measure" --quick > "$T/measure.txt" 2>&1 || rc=$?
    (( rc == 0 )) || { tail -40 "$T/measure.txt" >&2; fail "measure.sh --quick exited $rc"; }
    for family in cpu gpu; do
        grep -q "$family kernel family" "$T/measure/$family-family/verify.txt" \
            || fail "measure.sh's $family-family verify did not run the $family kernel family"
        summary=$(tail -1 "$T/measure/$family-family/verify.txt")
        [[ $summary =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] || fail "measure.sh's $family-family verify: $summary"
    done
    for f in bench-matmul/bench.json bench-batchnorm/bench.json bench-conv2d/bench.json torch_peers.json; do
        [[ -s $T/measure/$f ]] || { tail -40 "$T/measure.txt" >&2; fail "measure.sh --quick left no $f"; }
    done
    grep -q '^matmul .* missed\|^matmul .* met' "$T/measure/summary.txt" \
        || { cat "$T/measure/summary.txt" >&2; fail "measure.sh's summary compares no GEMM row"; }
    ok "measure.sh --quick: verify with both kernel families ($(tail -1 "$T/measure/gpu-family/verify.txt") for the \
gpu family), tune, 3 benchmark runs, torch peers, summary ($(( $(date +%s) - start )) s)"
fi

# 2. the search: a libnvidia-opencl.so.1 on LD_LIBRARY_PATH is found and written into the private ICD file. It is a
#    symlink to PoCL, and PoCL loaded under another name finds none of its device plugins, so exit 3 is expected.
mkdir -p "$T/driver"
ln -s "$pocl" "$T/driver/libnvidia-opencl.so.1"
rc=0
"${clean_env[@]}" LD_LIBRARY_PATH="$T/driver" CLENGINE_KIT_STEPS=devices "$KIT/run.sh" "$T/out2s" > "$T/run2s.txt" 2>&1 \
    || rc=$?
grep -q "nvidia.icd holds: $T/driver/libnvidia-opencl.so.1" "$T/out2s/run.log" \
    || { tail -30 "$T/run2s.txt" >&2; fail "run.sh did not find libnvidia-opencl.so.1 on LD_LIBRARY_PATH"; }
(( rc == 3 )) || fail "run.sh with PoCL disguised as NVIDIA exited $rc, expected 3"
ok "search: found $T/driver/libnvidia-opencl.so.1 on LD_LIBRARY_PATH and wrote it into nvidia.icd"

# 3. the fallback to the system's ICDs
rc=0
"${clean_env[@]}" CLENGINE_KIT_STEPS=devices "$KIT/run.sh" "$T/out2" > "$T/run2.txt" 2>&1 || rc=$?
(( rc == 0 )) || { tail -30 "$T/run2.txt" >&2; fail "run.sh (fallback) exited $rc"; }
grep -q "falling back to the system's ICDs" "$T/out2/run.log" || fail "run.sh did not report the fallback"
ok "fallback to /etc/OpenCL/vendors: $(grep -m1 '^chosen:' "$T/out2/devices.txt")"

# 4. no OpenCL platform at all
rc=0
"${clean_env[@]}" OCL_ICD_VENDORS="$T/empty-vendors" CLENGINE_KIT_STEPS="devices verify" \
    "$KIT/run.sh" "$T/out3" > "$T/run3.txt" 2>&1 || rc=$?
(( rc == 3 )) || { tail -30 "$T/run3.txt" >&2; fail "run.sh with no OpenCL exited $rc, expected 3"; }
ok "no OpenCL platform: exit 3, $(grep -m1 'clengine:' "$T/out3/devices.txt" | cut -c1-100)..."
