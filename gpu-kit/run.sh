#!/usr/bin/env bash
# run.sh OUTDIR [--system-icds] [--no-bench]: runs clengine from this kit on whatever OpenCL device the machine has,
# with the kit's own Java and ICD loader. Needs bash and coreutils, grep, sed, find; no Java, no network.
#
#   1. finds NVIDIA's OpenCL driver (libnvidia-opencl.so.1) and writes a private ICD file for it
#      (OCL_ICD_VENDORS); without one, or with --system-icds, uses the system's /etc/OpenCL/vendors
#   2. nvidia-smi         -> OUTDIR/nvidia-smi.txt (when present)
#   3. devices --verbose  -> OUTDIR/devices.txt
#   4. verify --all       -> OUTDIR/verify.txt
#   5. tune matmul, tune batchnorm -> OUTDIR/tune.txt, OUTDIR/tunings/{matmul,batchnorm}-tuning-HASH.properties
#                            (the benchmarks use them; commit them to src/main/resources/org/clengine/tunings/ to
#                            ship them for that device and driver)
#   6. bench --all        -> OUTDIR/bench.json, bench.log, latest.{md,json,png} (when the kit has the bench jar)
#   everything printed    -> OUTDIR/run.log
#
# Exit status: 0 all passed; 1 verify failed; 3 no usable OpenCL device; 4 benchmarks failed; 5 tuning failed;
# 2 bad usage
# (or a CLENGINE_NVIDIA_OPENCL that holds no library).
#
# Environment:
#   CLENGINE_NVIDIA_OPENCL     path of libnvidia-opencl.so.1 (or of a folder holding it), skips the search;
#                              any ICD library works here, e.g. PoCL's, which is how the kit is tested without a GPU
#   CLENGINE_KIT_SYSTEM_ICDS=1 same as --system-icds
#   CLENGINE_KIT_VERIFY_ARGS   verify's arguments (default: --all)
#   CLENGINE_KIT_BENCH_ARGS    the benchmarks' selection (default: --all), e.g. "--op matmul --quick"
#   CLENGINE_KIT_STEPS         steps to run (default: "devices verify tune bench")
#   CLENGINE_KIT_TUNE_ARGS     tune's arguments after "tune matmul" (default: none)
#   CLENGINE_KIT_JAVA_OPTS     extra JVM options
#   CLENGINE_DEVICE, CLENGINE_CACHE_DIR are passed through to the engine.
set -uo pipefail

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=""
SYSTEM_ICDS=${CLENGINE_KIT_SYSTEM_ICDS:-0}
STEPS=${CLENGINE_KIT_STEPS:-devices verify tune bench}
for arg in "$@"; do
    case $arg in
        --system-icds) SYSTEM_ICDS=1 ;;
        --no-bench) STEPS=${STEPS//bench/} ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
        *) [[ -z $OUTDIR ]] || { echo "run.sh: one OUTDIR only" >&2; exit 2; }; OUTDIR=$arg ;;
    esac
done
[[ -n $OUTDIR ]] || { echo "usage: run.sh OUTDIR [--system-icds] [--no-bench]" >&2; exit 2; }
mkdir -p "$OUTDIR" && OUTDIR=$(cd "$OUTDIR" && pwd) || exit 2

JAVA=$KIT/jre/bin/java
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clengine-kit.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

# The driver's libraries are searched in these folders (after ldconfig's cache and LD_LIBRARY_PATH).
DRIVER_DIRS=(/usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/nvidia/current
    /usr/lib64 /usr/lib64/nvidia /usr/lib /usr/lib/nvidia /lib/x86_64-linux-gnu /lib64
    /run/nvidia/driver/usr/lib/x86_64-linux-gnu /run/nvidia/driver/usr/lib64 /run/nvidia/driver/lib64
    /usr/local/cuda/compat /usr/lib/wsl/lib /opt/nvidia/lib64)

step() { printf '\n=== %s ===\n' "$*"; }
has_step() { [[ " $STEPS " == *" $1 "* ]]; }
first_tool() { local t; for t in "$@"; do command -v "$t" 2>/dev/null && return; [[ -x $t ]] && { echo "$t"; return; }; done; return 1; }

# Prints the path of NVIDIA's OpenCL library, or nothing.
find_nvidia_opencl() {
    local dir lib ldconfig
    if [[ -n ${CLENGINE_NVIDIA_OPENCL:-} ]]; then
        if [[ -d $CLENGINE_NVIDIA_OPENCL ]]; then
            for lib in "$CLENGINE_NVIDIA_OPENCL"/libnvidia-opencl.so.1 "$CLENGINE_NVIDIA_OPENCL"/libnvidia-opencl.so.*; do
                [[ -f $lib ]] && { echo "$lib"; return; }
            done
        elif [[ -f $CLENGINE_NVIDIA_OPENCL ]]; then
            echo "$CLENGINE_NVIDIA_OPENCL"; return
        fi
        echo "run.sh: CLENGINE_NVIDIA_OPENCL=$CLENGINE_NVIDIA_OPENCL holds no OpenCL library" >&2
        return
    fi
    if ldconfig=$(first_tool ldconfig /sbin/ldconfig /usr/sbin/ldconfig); then
        lib=$("$ldconfig" -p 2>/dev/null | grep -m1 'libnvidia-opencl\.so\.1 (.*x86-64' | sed 's/.* => //')
        [[ -n $lib && -f $lib ]] && { echo "$lib"; return; }
    fi
    local dirs=() ldpath=${LD_LIBRARY_PATH:-}
    IFS=: read -r -a dirs <<< "$ldpath"
    for dir in "${dirs[@]}" "${DRIVER_DIRS[@]}"; do
        [[ -n $dir && $dir != "$KIT/lib" && -d $dir ]] || continue
        for lib in "$dir"/libnvidia-opencl.so.1 "$dir"/libnvidia-opencl.so.[0-9]*; do
            [[ -f $lib ]] && { echo "$lib"; return; }
        done
    done
    # Last resort: wherever a container runtime mounted the driver (bounded: images with CUDA and Python are big).
    local limit=()
    command -v timeout >/dev/null && limit=(timeout 60)
    "${limit[@]}" find /usr /run /opt /lib64 /lib -maxdepth 6 -name 'libnvidia-opencl.so*' \( -type f -o -type l \) \
        2>/dev/null | sort | head -1
}

# Chooses the ICDs: exports OCL_ICD_VENDORS for a private nvidia.icd, or leaves the system's.
setup_icds() {
    step "OpenCL ICD"
    echo "ICD loader: $KIT/lib/libOpenCL.so.1 (ocl-icd, from the kit)"
    if [[ $SYSTEM_ICDS == 1 ]]; then
        echo "--system-icds: not looking for NVIDIA's library"
    elif [[ -n ${OCL_ICD_VENDORS:-} && -z ${CLENGINE_NVIDIA_OPENCL:-} ]]; then
        echo "OCL_ICD_VENDORS=$OCL_ICD_VENDORS was set by the caller: using it as it is"
        return
    else
        local lib
        lib=$(find_nvidia_opencl)
        if [[ -z $lib && -n ${CLENGINE_NVIDIA_OPENCL:-} ]]; then
            return 2  # an explicit choice that does not exist is an error, not a reason to fall back
        fi
        if [[ -n $lib ]]; then
            mkdir -p "$WORK/vendors"
            echo "$lib" > "$WORK/vendors/nvidia.icd"
            export OCL_ICD_VENDORS=$WORK/vendors
            # The driver's other libraries (libcuda.so.1, libnvidia-ptxjitcompiler.so.1) sit beside it.
            local dir
            dir=$(dirname "$lib")
            [[ ":$LD_LIBRARY_PATH:" == *":$dir:"* ]] || export LD_LIBRARY_PATH=$KIT/lib:$dir${LD_LIBRARY_PATH#"$KIT/lib"}
            echo "OpenCL driver: $(ls -l "$lib" | sed 's/^[^/]*//')"
            echo "OCL_ICD_VENDORS=$OCL_ICD_VENDORS; nvidia.icd holds: $(cat "$WORK/vendors/nvidia.icd")"
            return
        fi
        echo "no libnvidia-opencl.so.1 found (ldconfig -p, LD_LIBRARY_PATH, ${DRIVER_DIRS[*]}, find);"
        echo "falling back to the system's ICDs"
    fi
    unset OCL_ICD_VENDORS
    local icd
    for icd in /etc/OpenCL/vendors/*.icd; do
        [[ -f $icd ]] && echo "system ICD $icd: $(head -1 "$icd")"
    done
    [[ -f ${icd:-} ]] || echo "the system has no /etc/OpenCL/vendors/*.icd: expect no OpenCL platform"
}

# The kit's java, with the fallback libraries only when the machine lacks them.
setup_java() {
    step "Java"
    chmod +x "$KIT"/jre/bin/* 2>/dev/null
    export LD_LIBRARY_PATH=$KIT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    if ! "$JAVA" -version >/dev/null 2>&1; then
        echo "the kit's java does not start with the system's libraries; adding $KIT/lib/fallback"
        export LD_LIBRARY_PATH=$KIT/lib:$KIT/lib/fallback${LD_LIBRARY_PATH#"$KIT/lib"}
    fi
    "$JAVA" -XshowSettings:properties -version 2>&1 | grep -E 'java.home|java.runtime.version|os.arch' \
        || { "$JAVA" -version; echo "the kit's java does not run"; return 1; }
    mkdir -p "$WORK/tmp"
    # java.library.path: JOCL loads its JNI library from the kit rather than extracting a copy into /tmp.
    JAVA_OPTS=(-Djava.library.path="$KIT/lib" -Djava.io.tmpdir="$WORK/tmp" ${CLENGINE_KIT_JAVA_OPTS:-})
    export CLENGINE_CACHE_DIR=${CLENGINE_CACHE_DIR:-$WORK/program-cache}
}

record_nvidia_smi() {
    local smi
    smi=$(first_tool nvidia-smi /usr/bin/nvidia-smi /usr/local/nvidia/bin/nvidia-smi) || { echo "no nvidia-smi"; return; }
    step "nvidia-smi"
    { "$smi"; "$smi" --query-gpu=name,driver_version,compute_cap,clocks.max.sm,clocks.max.mem,memory.total \
        --format=csv; } > "$OUTDIR/nvidia-smi.txt" 2>&1
    cat "$OUTDIR/nvidia-smi.txt"
}

main() {
    echo "clengine gpu-kit run, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm), output in $OUTDIR"
    head -3 "$KIT/KIT.txt" 2>/dev/null
    setup_java || return 3
    setup_icds || return 2
    record_nvidia_smi
    echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    local rc_devices=0 rc_verify=0 rc_tune=0 rc_bench=0
    if has_step devices; then
        step "devices --verbose"
        "$JAVA" "${JAVA_OPTS[@]}" -jar "$KIT/clengine-cli.jar" devices --verbose 2>&1 | tee "$OUTDIR/devices.txt"
        rc_devices=${PIPESTATUS[0]}
    fi
    if has_step verify; then
        local verify_args
        read -r -a verify_args <<< "${CLENGINE_KIT_VERIFY_ARGS:---all}"
        step "verify ${verify_args[*]}"
        "$JAVA" "${JAVA_OPTS[@]}" -jar "$KIT/clengine-cli.jar" verify "${verify_args[@]}" 2>&1 \
            | tee "$OUTDIR/verify.txt"
        rc_verify=${PIPESTATUS[0]}
    fi
    if has_step tune; then
        local tune_args op
        read -r -a tune_args <<< "${CLENGINE_KIT_TUNE_ARGS:-}"
        : > "$OUTDIR/tune.txt"
        for op in matmul batchnorm; do
            step "tune $op ${tune_args[*]}"
            # into CLENGINE_CACHE_DIR, where the benchmarks below find it; a copy goes back with the results
            "$JAVA" "${JAVA_OPTS[@]}" -jar "$KIT/clengine-cli.jar" tune "$op" "${tune_args[@]}" 2>&1 \
                | tee -a "$OUTDIR/tune.txt"
            (( PIPESTATUS[0] == 0 )) || rc_tune=1
        done
        mkdir -p "$OUTDIR/tunings"
        cp "$CLENGINE_CACHE_DIR"/*-tuning-*.properties "$OUTDIR/tunings/" 2>/dev/null
    fi
    if has_step bench; then
        if [[ -f $KIT/clengine-benchmarks.jar ]]; then
            local bench_args
            read -r -a bench_args <<< "${CLENGINE_KIT_BENCH_ARGS:---all}"
            step "benchmarks ${bench_args[*]} --no-python-peers --json $OUTDIR/bench.json"
            # in-JVM peers: CLBlast on the same device; PyTorch on the GPU is peers/torch_peers.py, run apart
            "$JAVA" "${JAVA_OPTS[@]}" -jar "$KIT/clengine-benchmarks.jar" "${bench_args[@]}" --no-python-peers \
                --json "$OUTDIR/bench.json" --results "$OUTDIR" 2>&1 | tee "$OUTDIR/bench.log"
            rc_bench=${PIPESTATUS[0]}
        else
            step "benchmarks"
            echo "skipped: this kit was built without clengine-benchmarks.jar (build benchmarks/ first, then the kit)"
        fi
    fi
    step "summary"
    [[ -f $OUTDIR/devices.txt ]] && grep -m1 '^chosen:' "$OUTDIR/devices.txt"
    [[ -f $OUTDIR/verify.txt ]] && echo "verify: $(tail -1 "$OUTDIR/verify.txt") (exit $rc_verify)"
    has_step tune && grep '^winner:' "$OUTDIR/tune.txt" 2>/dev/null | sed 's/^/tune: /'
    has_step tune && (( rc_tune != 0 )) && echo "tune: failed"
    has_step bench && [[ -f $KIT/clengine-benchmarks.jar ]] && echo "benchmarks: exit $rc_bench"
    if (( rc_verify != 0 )); then
        (( rc_devices == 3 )) && return 3
        return 1
    fi
    (( rc_devices != 0 )) && return 3
    (( rc_bench != 0 )) && return 4
    (( rc_tune != 0 )) && return 5
    return 0
}

main 2>&1 | tee "$OUTDIR/run.log"
rc=${PIPESTATUS[0]}
echo "run.sh: exit $rc" | tee -a "$OUTDIR/run.log"
exit "$rc"
