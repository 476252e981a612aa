#!/usr/bin/env python3
"""PyTorch peers for clengine's benchmark shapes, on an NVIDIA GPU, plus the device's two ceilings.

    python3 torch_peers.py --json OUT.json [--ops batchnorm,matmul,conv2d] [--shapes D1,D2] [--reps 50]

Rows use clengine's descriptors and its bench JSON format ({"device", "driver", "rows": [{"op", "shape", "system",
"variant", "ms", "gflops", "gbps", "fraction"}]}) with system = "torch" (or "copy" for the bandwidth ceiling):

  matmul      m1024n1024k1024       torch.matmul, fp32, TF32 off (C[MxN] = A[MxK] B[KxN], row-major)
  conv2d      mb32ic64ih56iw56oc64kh3kw3sh1ph1
              conv2d_fwd, conv2d_bwd_data, conv2d_bwd_weights through cuDNN (benchmark mode, TF32 off), NCHW
  batchnorm   mb32ic64ih56iw56      batchnorm_fwd_train, batchnorm_fwd_infer, batchnorm_bwd through cuDNN, NCHW

Timing: CUDA events around each call, warm-up first, median of --reps; inputs rotate over enough copies to exceed
twice the L2 cache, so repeated calls do not time the cache. Backward is timed alone (autograd.grad on a retained
graph). Essential bytes as clengine counts them: BN forward-train 3 passes over the tensor, inference 2, backward 5.
"fraction" is gbps over the copy ceiling (batch norm, copy) or gflops over the FP32 FMA peak (matmul, conv2d).
The ceilings: a device-to-device copy of 1 GiB (bytes read + written), and SMs x max SM clock x FP32 lanes x 2.

--device cpu runs the same code on the CPU with wall-clock timers: a smoke test of this script, not a peer.
"""
import argparse
import json
import math
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

MATMUL = ["m1024n1024k1024", "m2048n2048k2048", "m4096n4096k4096", "m64n100352k576", "m256n6272k2304"]
CONV2D = ["mb32ic64ih56iw56oc64kh3kw3sh1ph1", "mb32ic256ih56iw56oc64kh1kw1sh1ph0",
          "mb32ic128ih28iw28oc128kh3kw3sh1ph1", "mb32ic256ih14iw14oc256kh3kw3sh1ph1",
          "mb32ic512ih7iw7oc512kh3kw3sh1ph1"]
BATCHNORM = ["mb32ic64ih56iw56", "mb256ic256ih14iw14", "mb128ic2048"]
# FP32 lanes (FMA units) per SM by compute capability: 64 on V100/T4/A100, 128 on GA10x, Ada, Hopper, Blackwell.
FP32_LANES = {(7, 0): 64, (7, 5): 64, (8, 0): 64, (8, 6): 128, (8, 7): 128, (8, 9): 128, (9, 0): 128,
              (10, 0): 128, (12, 0): 128}


def parse(pattern, descriptor, example):
    m = re.fullmatch(pattern, descriptor)
    if not m:
        sys.exit(f"'{descriptor}' is not a descriptor such as {example}")
    return {k: int(v) for k, v in m.groupdict().items() if v is not None}


def op_of(descriptor):
    """matmul, conv2d or batchnorm: which family a descriptor belongs to."""
    if re.fullmatch(r"m\d+n\d+k\d+", descriptor):
        return "matmul"
    return "conv2d" if "oc" in descriptor else "batchnorm"


def matmul_shape(d):
    return parse(r"m(?P<m>\d+)n(?P<n>\d+)k(?P<k>\d+)", d, "m1024n1024k1024")


def conv_shape(d):
    s = parse(r"mb(?P<n>\d+)(?:g(?P<g>\d+))?ic(?P<c>\d+)ih(?P<h>\d+)iw(?P<w>\d+)oc(?P<k>\d+)kh(?P<r>\d+)"
              r"kw(?P<s>\d+)(?:sh(?P<sh>\d+))?(?:sw(?P<sw>\d+))?(?:ph(?P<ph>\d+))?(?:pw(?P<pw>\d+))?",
              d, "mb32ic64ih56iw56oc64kh3kw3sh1ph1")
    s.setdefault("g", 1), s.setdefault("sh", 1), s.setdefault("ph", 0)
    s.setdefault("sw", s["sh"]), s.setdefault("pw", s["ph"])
    s["p"] = (s["h"] + 2 * s["ph"] - s["r"]) // s["sh"] + 1
    s["q"] = (s["w"] + 2 * s["pw"] - s["s"]) // s["sw"] + 1
    return s


def bn_shape(d):
    s = parse(r"mb(?P<n>\d+)ic(?P<c>\d+)(?:ih(?P<h>\d+))?(?:iw(?P<w>\d+))?", d, "mb32ic64ih56iw56")
    dims = [s["n"], s["c"]] + ([s["h"]] if "h" in s else []) + ([s["w"]] if "w" in s else [])
    return dims


class Timer:
    """Median milliseconds of fn over rotating input sets: CUDA events on a GPU, wall clock on the CPU."""

    def __init__(self, device, warmup, reps):
        self.device, self.warmup, self.reps = device, warmup, reps

    def median_ms(self, fns):
        for i in range(self.warmup):
            fns[i % len(fns)]()
        times = []
        for i in range(self.reps):
            fn = fns[i % len(fns)]
            if self.device.type == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end))
            else:
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times), min(times)


def copies(bytes_per_set, l2_bytes):
    """How many input sets make the working set at least twice the L2 cache (1 to 8)."""
    return max(1, min(8, math.ceil(2 * l2_bytes / max(bytes_per_set, 1))))


def kernel_names(device, fn):
    """The GPU kernels one call launches (to show cuDNN or cuBLAS did the work); empty on the CPU or on error."""
    if device.type != "cuda":
        return []
    try:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            fn()
            torch.cuda.synchronize()
        names = [e.name for e in prof.events() if str(getattr(e, "device_type", "")).endswith("CUDA")]
        return sorted(set(names))[:6]
    except Exception as e:  # the profiler is a diagnostic only
        return [f"(profiler failed: {e})"]


def row(op, shape, variant, ms, ms_min, flops, nbytes, kernels, system="torch"):
    return {"op": op, "shape": shape, "system": system, "variant": variant, "ms": ms, "ms_min": ms_min,
            "gflops": flops / ms / 1e6 if flops else None, "gbps": nbytes / ms / 1e6, "kernels": kernels}


def bench_matmul(dev, timer, l2, shapes):
    for d in shapes:
        s = matmul_shape(d)
        nbytes = 4 * (s["m"] * s["k"] + s["k"] * s["n"] + s["m"] * s["n"])
        sets = [(torch.randn(s["m"], s["k"], device=dev), torch.randn(s["k"], s["n"], device=dev),
                 torch.empty(s["m"], s["n"], device=dev)) for _ in range(copies(nbytes, l2))]
        fns = [lambda a=a, b=b, c=c: torch.matmul(a, b, out=c) for a, b, c in sets]
        ms, mn = timer.median_ms(fns)
        yield row("matmul", d, "fp32_no_tf32", ms, mn, 2 * s["m"] * s["n"] * s["k"], nbytes,
                  kernel_names(dev, fns[0]))


def bench_conv2d(dev, timer, l2, shapes):
    for d in shapes:
        s = conv_shape(d)
        flops = 2 * s["n"] * s["k"] * s["p"] * s["q"] * (s["c"] // s["g"]) * s["r"] * s["s"]
        x_el, w_el, y_el = (s["n"] * s["c"] * s["h"] * s["w"], s["k"] * (s["c"] // s["g"]) * s["r"] * s["s"],
                            s["n"] * s["k"] * s["p"] * s["q"])
        nbytes = 4 * (x_el + w_el + y_el)
        sets = []
        for _ in range(copies(nbytes, l2)):
            x = torch.randn(s["n"], s["c"], s["h"], s["w"], device=dev, requires_grad=True)
            w = torch.randn(s["k"], s["c"] // s["g"], s["r"], s["s"], device=dev, requires_grad=True) * 0.1
            w = w.detach().requires_grad_()
            y = F.conv2d(x, w, stride=(s["sh"], s["sw"]), padding=(s["ph"], s["pw"]), groups=s["g"])
            sets.append((x, w, y, torch.randn_like(y)))
        conv = lambda x, w: F.conv2d(x, w, stride=(s["sh"], s["sw"]), padding=(s["ph"], s["pw"]), groups=s["g"])
        variants = {
            "conv2d_fwd": [lambda x=x, w=w: conv(x, w) for x, w, _, _ in sets],
            "conv2d_bwd_data": [lambda x=x, y=y, dy=dy: torch.autograd.grad(y, x, dy, retain_graph=True)
                                for x, _, y, dy in sets],
            "conv2d_bwd_weights": [lambda w=w, y=y, dy=dy: torch.autograd.grad(y, w, dy, retain_graph=True)
                                   for _, w, y, dy in sets],
        }
        for op, fns in variants.items():
            with torch.no_grad() if op == "conv2d_fwd" else torch.enable_grad():
                ms, mn = timer.median_ms(fns)
                yield row(op, d, "cudnn" if dev.type == "cuda" else "cpu", ms, mn, flops, nbytes,
                          kernel_names(dev, fns[0]))


def bench_batchnorm(dev, timer, l2, shapes):
    for d in shapes:
        dims = bn_shape(d)
        c, elements = dims[1], math.prod(dims)
        sets = []
        for _ in range(copies(3 * 4 * elements, l2)):
            x = (torch.randn(*dims, device=dev) * 2 + 3).requires_grad_()
            g = torch.empty(c, device=dev).uniform_(0.5, 1.5).requires_grad_()
            b = torch.randn(c, device=dev).requires_grad_()
            rm, rv = torch.zeros(c, device=dev), torch.ones(c, device=dev)
            y = F.batch_norm(x, rm, rv, g, b, training=True, momentum=0.1, eps=1e-5)
            sets.append((x, g, b, rm, rv, y, torch.randn_like(y)))
        variants = {
            "batchnorm_fwd_train": (3, [lambda x=x, g=g, b=b, rm=rm, rv=rv: F.batch_norm(
                x, rm, rv, g, b, training=True, momentum=0.1, eps=1e-5) for x, g, b, rm, rv, _, _ in sets]),
            "batchnorm_fwd_infer": (2, [lambda x=x, g=g, b=b, rm=rm, rv=rv: F.batch_norm(
                x, rm, rv, g, b, training=False, eps=1e-5) for x, g, b, rm, rv, _, _ in sets]),
            "batchnorm_bwd": (5, [lambda x=x, g=g, b=b, y=y, dy=dy: torch.autograd.grad(
                y, (x, g, b), dy, retain_graph=True) for x, g, b, _, _, y, dy in sets]),
        }
        for op, (passes, fns) in variants.items():
            with torch.no_grad() if op != "batchnorm_bwd" else torch.enable_grad():
                ms, mn = timer.median_ms(fns)
                yield row(op, d, "cudnn" if dev.type == "cuda" else "cpu", ms, mn, None,
                          passes * 4 * elements, kernel_names(dev, fns[0]))


def ceilings(dev, timer):
    """Copy bandwidth (1 GiB, read + write counted) and the FP32 FMA peak from SM count and max SM clock."""
    n = (1 << 30) // 4 if dev.type == "cuda" else (64 << 20) // 4
    src, dst = torch.randn(n, device=dev), torch.empty(n, device=dev)
    ms, mn = timer.median_ms([lambda: dst.copy_(src)])
    copy = row("copy", f"bytes{4 * n}", "torch_copy", ms, mn, None, 2 * 4 * n, kernel_names(dev, lambda: dst.copy_(src)),
               system="copy")
    peak = {"copy_gbps": copy["gbps"]}
    if dev.type == "cuda":
        p = torch.cuda.get_device_properties(dev)
        lanes = FP32_LANES.get((p.major, p.minor), 128)
        mhz = max_sm_clock_mhz()
        peak.update({"sm_count": p.multi_processor_count, "compute_capability": f"{p.major}.{p.minor}",
                     "fp32_lanes_per_sm": lanes, "max_sm_clock_mhz": mhz,
                     "fp32_fma_peak_gflops": p.multi_processor_count * mhz * 1e-3 * lanes * 2 if mhz else None})
    return copy, peak


def max_sm_clock_mhz():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=clocks.max.sm", "--format=csv,noheader,nounits", "-i", "0"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
        return float(out.splitlines()[0])
    except Exception:
        return None


def device_info(dev):
    if dev.type != "cuda":
        return "cpu (smoke test)", f"torch {torch.__version__}"
    driver = "unknown"
    try:
        driver = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader", "-i", "0"],
                                capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        pass
    return torch.cuda.get_device_name(dev), (f"driver {driver}, CUDA {torch.version.cuda}, "
                                             f"cuDNN {torch.backends.cudnn.version()}, torch {torch.__version__}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", required=True, help="output file")
    ap.add_argument("--ops", default="batchnorm,matmul,conv2d")
    ap.add_argument("--shapes", help="comma-separated descriptors (default: each op's list)")
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("CUDA is not available to this torch; --device cpu only smoke-tests the script")
    dev = torch.device(args.device, 0) if args.device == "cuda" else torch.device("cpu")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.enabled = True
    torch.backends.cudnn.benchmark = True
    torch.set_float32_matmul_precision("highest")
    torch.manual_seed(0)
    # L2 size decides how many input copies to rotate; 60 MB (an H200's) when this torch does not report it.
    l2 = getattr(torch.cuda.get_device_properties(dev), "L2_cache_size", 60 << 20) if dev.type == "cuda" else 32 << 20

    timer = Timer(dev, args.warmup, args.reps)
    copy, peak = ceilings(dev, timer)
    rows = [copy]
    wanted = args.shapes.split(",") if args.shapes else None
    benches = {"matmul": (bench_matmul, MATMUL), "conv2d": (bench_conv2d, CONV2D),
               "batchnorm": (bench_batchnorm, BATCHNORM)}
    for op in args.ops.split(","):
        fn, default = benches[op]
        shapes = [d for d in wanted if op_of(d) == op] if wanted else default
        for r in fn(dev, timer, l2, shapes):
            rows.append(r)
            print(f"{r['op']:<20} {r['shape']:<36} {r['ms']:9.3f} ms", flush=True)
    for r in rows:
        if r["gflops"] is not None and peak.get("fp32_fma_peak_gflops"):
            r["fraction"] = r["gflops"] / peak["fp32_fma_peak_gflops"]
        else:
            r["fraction"] = r["gbps"] / peak["copy_gbps"]
    name, driver = device_info(dev)
    with open(args.json, "w") as f:
        json.dump({"device": name, "driver": driver, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "peak": peak, "reps": args.reps, "rows": rows}, f, indent=1)
    print(f"\n{name}; {driver}\npeak: {json.dumps(peak)}")
    print(f"{'op':<20} {'shape':<36} {'ms':>9} {'GFLOP/s':>9} {'GB/s':>8} {'fraction':>8}")
    for r in rows:
        gf = f"{r['gflops']:9.1f}" if r["gflops"] is not None else f"{'':>9}"
        print(f"{r['op']:<20} {r['shape']:<36} {r['ms']:9.3f} {gf} {r['gbps']:8.1f} {r['fraction']:8.3f}")


if __name__ == "__main__":
    main()
