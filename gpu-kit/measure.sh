#!/usr/bin/env bash
# measure.sh OUTDIR [--quick]: the GPU measurement of issue #13 in one call, from the kit (gpu-kit/README.md,
# "Measuring on a GPU"). Each step runs through run.sh, under a time limit of its own, so that the whole stays
# within the device tool's 10 minutes; a step that fails or runs out of time is recorded and the next one runs.
#
#   1. verify with the CPU family forced (CLENGINE_KERNELS=cpu)       -> OUTDIR/cpu-family/verify.txt
#   2. verify with the GPU family forced (CLENGINE_KERNELS=gpu)       -> OUTDIR/gpu-family/verify.txt
#   3. tune matmul, tune batchnorm (the device's own family)          -> OUTDIR/tune/tune.txt, tunings/
#   4. the engine's benchmarks, one run per op, using those tunings:   -> OUTDIR/bench-OP/bench.json
#      GEMM 4096^3, batch norm forward-training and backward, conv 3x3 ResNet-50 layers, and the engine's own copy
#      kernel (copy_float4, the bandwidth ceiling the batch norm rows are measured against)
#   5. PyTorch on the same shapes and GPU (peers/torch_peers.py: cuBLAS with TF32 off, cuDNN fp32, F.batch_norm,
#      torch's copy)                                                  -> OUTDIR/torch_peers.json
#   6. peers/compare.py: clengine against PyTorch and the copy kernel, with the issue's targets
#                                                                     -> OUTDIR/summary.txt
#
# --quick: small shapes, the CPU's torch, few repeats: a check of this script on PoCL (gpu-kit/selftest.sh runs it),
# whose figures mean nothing. Exit status: 0 when every step ran and passed, else 1 (summary.txt says which).
# Environment: CLENGINE_PYTHON (default python3; it must import torch); CLENGINE_MEASURE_LIMITS, seconds per step:
# "verify tune matmul batchnorm conv2d peers" (default "90 120 50 60 90 50", 550 s in all with verify run twice);
# and whatever run.sh reads. The benchmarks run JMH's --quick mode (no warm-up, 2 x 0.4 s measured) and the plain
# variants only, to fit.
set -uo pipefail

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=""
QUICK=0
for arg in "$@"; do
    case $arg in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "measure.sh: unknown option $arg" >&2; exit 2 ;;
        *) OUTDIR=$arg ;;
    esac
done
[[ -n $OUTDIR ]] || { echo "usage: measure.sh OUTDIR [--quick]" >&2; exit 2; }
mkdir -p "$OUTDIR" && OUTDIR=$(cd "$OUTDIR" && pwd) || exit 2
read -r LIMIT_VERIFY LIMIT_TUNE LIMIT_MATMUL LIMIT_BATCHNORM LIMIT_CONV2D LIMIT_PEERS \
    <<< "${CLENGINE_MEASURE_LIMITS:-90 120 50 60 90 50}"

if (( QUICK )); then
    VERIFY="--op pooling"
    TUNE="--repeats 3"
    MATMUL=m256n256k256
    BATCHNORM=mb2ic64ih28iw28
    CONV=mb2ic64ih14iw14oc64kh3kw3sh1ph1
    PEERS=(--device cpu --reps 3 --warmup 1)
else
    VERIFY="--all"
    TUNE=""
    MATMUL=m4096n4096k4096
    BATCHNORM=mb32ic64ih56iw56,mb256ic256ih14iw14
    # ResNet-50's 3x3 layers at N = 32
    CONV=mb32ic64ih56iw56oc64kh3kw3sh1ph1,mb32ic128ih28iw28oc128kh3kw3sh1ph1,mb32ic256ih14iw14oc256kh3kw3sh1ph1,mb32ic512ih7iw7oc512kh3kw3sh1ph1
    PEERS=(--reps 30)
fi
PYTHON=${CLENGINE_PYTHON:-python3}  # with torch: the lent machines' python3; here /usr/bin/python3
export CLENGINE_CACHE_DIR=${CLENGINE_CACHE_DIR:-$OUTDIR/program-cache}  # the tunings reach the benchmarks here
STATUS=()

# step NAME SECONDS [VAR=VALUE...] -- COMMAND...: runs it under `timeout`, notes how it ended
step() {
    local name=$1 limit=$2 start=$SECONDS rc=0
    shift 2
    local vars=()
    while [[ $1 != -- ]]; do vars+=("$1"); shift; done
    shift
    printf '\n=== measure: %s (limit %s s) ===\n' "$name" "$limit"
    env "${vars[@]}" timeout "$limit" "$@" || rc=$?
    local how="ok"
    (( rc == 0 )) || how="exit $rc"
    (( rc == 124 )) && how="timed out after $limit s"
    STATUS+=("$(printf '%-22s %-26s %4d s' "$name" "$how" $((SECONDS - start)))")
}

main() {
    echo "clengine measure.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), $( ((QUICK)) && echo quick || echo full), output in $OUTDIR"
    step "verify, cpu family" "$LIMIT_VERIFY" CLENGINE_KERNELS=cpu CLENGINE_KIT_STEPS="devices verify" \
        CLENGINE_KIT_VERIFY_ARGS="$VERIFY" -- bash "$KIT/run.sh" "$OUTDIR/cpu-family"
    step "verify, gpu family" "$LIMIT_VERIFY" CLENGINE_KERNELS=gpu CLENGINE_KIT_STEPS="verify" \
        CLENGINE_KIT_VERIFY_ARGS="$VERIFY" -- bash "$KIT/run.sh" "$OUTDIR/gpu-family"
    step "tune matmul, batchnorm" "$LIMIT_TUNE" CLENGINE_KIT_STEPS="tune" CLENGINE_KIT_TUNE_ARGS="$TUNE" \
        -- bash "$KIT/run.sh" "$OUTDIR/tune"
    local op shapes limit
    for op in matmul batchnorm conv2d; do
        case $op in
            matmul) shapes=$MATMUL limit=$LIMIT_MATMUL ;;
            batchnorm) shapes=$BATCHNORM limit=$LIMIT_BATCHNORM ;;
            conv2d) shapes=$CONV limit=$LIMIT_CONV2D ;;
        esac
        step "bench $op" "$limit" CLENGINE_KIT_STEPS="bench" \
            CLENGINE_KIT_BENCH_ARGS="--op $op --shape $shapes --variant plain --quick" \
            -- bash "$KIT/run.sh" "$OUTDIR/bench-$op"
    done
    step "torch peers" "$LIMIT_PEERS" PYTHONUNBUFFERED=1 -- "$PYTHON" "$KIT/peers/torch_peers.py" \
        --json "$OUTDIR/torch_peers.json" --shapes "$MATMUL,$BATCHNORM,$CONV" "${PEERS[@]}"
    "$PYTHON" "$KIT/peers/compare.py" "$OUTDIR" > "$OUTDIR/summary.txt" 2>&1 || STATUS+=("compare: failed")
    { echo; echo "steps:"; printf '  %s\n' "${STATUS[@]}"; } >> "$OUTDIR/summary.txt"
    cat "$OUTDIR/summary.txt"
    printf '%s\n' "${STATUS[@]}" | grep -qv ' ok ' && return 1
    return 0
}

main 2>&1 | tee "$OUTDIR/measure.log"
exit "${PIPESTATUS[0]}"
