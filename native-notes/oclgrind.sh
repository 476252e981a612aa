#!/usr/bin/env bash
# Every kernel of every op family under Oclgrind's bounds and data-race checks, with Oclgrind (Debian's
# `oclgrind`, an OpenCL device simulator) as the only OpenCL platform; fails on any report, on any wrong result and
# on any kernel left unlaunched. `./clengine test` runs it after the engine's suite; alone:
#
#   bash native-notes/oclgrind.sh [-Dclengine.seed=N]
#
# The driver is the test OclgrindTest (skipped unless this script sets its properties); native-notes/oclgrind.md
# says what it checks and what it does not. Installs oclgrind with apt-get when run as root and it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runtime=/usr/lib/oclgrind/liboclgrind-rt-icd.so
say() { echo "oclgrind.sh: $*" >&2; }

# Oclgrind, and the ICD loader that JOCL opens (the launcher installs it with PoCL; this script may run alone)
missing=()
[ -f "$runtime" ] || missing+=(oclgrind)
ldconfig -p 2>/dev/null | grep -q 'libOpenCL\.so\.1' || missing+=(ocl-icd-libopencl1)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    [ -n "${CLENGINE_APT_UPDATED:-}" ] || apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    say "missing: ${missing[*]}. Install with:"
    say "  sudo apt-get install ${missing[*]}"
    exit 1
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# an ICD folder naming Oclgrind alone: no other platform is visible to the test JVM
mkdir "$work/vendors"
echo "$runtime" > "$work/vendors/oclgrind.icd"
log="$work/oclgrind.log"
out="$work/out"
mkdir "$out"

# Checks on: out-of-bounds accesses (always), data races in global and local memory, API misuse. Off: the
# uninitialised-value check (OCLGRIND_UNINITIALIZED), which flags data written by clEnqueueFillBuffer and, on here,
# crashed the test JVM inside Oclgrind. A fresh program cache: binaries are Oclgrind's own.
start=$SECONDS
status=0
env -u CLENGINE_KERNELS -u OCLGRIND_UNINITIALIZED OCL_ICD_VENDORS="$work/vendors" CLENGINE_DEVICE=oclgrind \
    CLENGINE_CACHE_DIR="$work/cache" OCLGRIND_CHECK_API=1 OCLGRIND_DATA_RACES=1 OCLGRIND_LOG="$log" \
    timeout "${CLENGINE_OCLGRIND_TIMEOUT:-600}" mvn -B -q -ntp test -Dtest=OclgrindTest \
    -Dclengine.oclgrind.out="$out" "$@" || status=$?
elapsed=$((SECONDS - start))

# The test charges each report to a family and shape and fails on it; this count is a second look, at every
# device's reports (out/reports.log) and at the log of the device open last (Oclgrind truncates its log for each
# new context), which is what a crashed JVM leaves. Reports are paragraphs; the planted faults' are expected.
touch "$out/reports.log" "$log"
count() { awk -v want="$1" 'BEGIN { RS = "" } (/oclgrind_canary/ ? "planted" : "engine") == want { n++ }
                            END { print n + 0 }' "$out/reports.log"; }
reports=$(count engine)
planted=$(count planted)
[ -f "$out/summary.txt" ] && cat "$out/summary.txt" >&2
say "${elapsed} s; Oclgrind reports: $reports in the engine's kernels, $planted in the planted faults"
if [ "$reports" -gt 0 ] || { [ "$status" != 0 ] && [ -s "$log" ]; }; then
  say "Oclgrind's reports on the engine's kernels (the first 200 lines):"
  { cat "$out/reports.log" "$log" | awk 'BEGIN { RS = ""; ORS = "\n\n" } !/oclgrind_canary/' | head -n 200; } >&2 \
    || true # head stops reading early
  exit 1
fi
[ "$status" != 124 ] || say "timed out after ${CLENGINE_OCLGRIND_TIMEOUT:-600} s (CLENGINE_OCLGRIND_TIMEOUT)"
[ "$status" = 0 ] || { say "OclgrindTest failed (exit $status)"; exit "$status"; }
[ -f "$out/summary.txt" ] || { say "OclgrindTest did not run (no summary)"; exit 1; }
[ "$planted" -ge 2 ] || { say "the planted faults were not reported: Oclgrind's checks are off"; exit 1; }
say "every kernel ran clean"
