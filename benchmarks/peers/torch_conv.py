"""PyTorch CPU convolution, timed on clengine's benchmark layers: the peer for Conv2dBench.

Times, per layer (NCHW, fp32, no bias), with torch.set_num_threads(THREADS):
  conv2d_fwd          F.conv2d(x, w) under no_grad
  conv2d_bwd_data     torch.ops.aten.convolution_backward for dx only (what autograd calls for x)
  conv2d_bwd_weights  the same for dw only
Variant "plain" only: the conv + BN rows (fused, unfused) have no PyTorch counterpart here.

Each case: `warmup` untimed calls, then `repeats` timed calls (perf_counter around each); the median is reported.
Prints one JSON object on stdout: {"version", "threads", "rows": [{"op", "shape", "variant", "ms"}]}.
Progress goes to stderr. Run: /usr/bin/python3 torch_conv.py --shapes mb32ic64ih56iw56oc64kh3kw3ph1
"""
import argparse
import json
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

PART = re.compile(r"(mb|ic|ih|iw|oc|kh|kw|sh|sw|ph|pw|pb|pr|dh|dw|g)(\d+)")


def layer(descriptor):
    """The descriptor as clengine's Conv2dShape.parse reads it (benchdnn style; dh/dw are dilation - 1)."""
    parts = {}
    end = 0
    for m in PART.finditer(descriptor):
        if m.start() != end or m.group(1) in parts:
            break
        parts[m.group(1)] = int(m.group(2))
        end = m.end()
    if end != len(descriptor) or not all(k in parts for k in ("mb", "ic", "ih", "oc", "kh")):
        raise SystemExit(f"'{descriptor}' is not a conv2d descriptor such as mb32ic64ih56iw56oc64kh3kw3ph1")
    ph = parts.get("ph", 0)
    pw = parts.get("pw", ph)
    if parts.get("pb", ph) != ph or parts.get("pr", pw) != pw:
        raise SystemExit(f"'{descriptor}': asymmetric padding is not benchmarked against PyTorch")
    sh = parts.get("sh", 1)
    dh = parts.get("dh", 0)
    return dict(n=parts["mb"], c=parts["ic"], h=parts["ih"], w=parts.get("iw", parts["ih"]), k=parts["oc"],
                r=parts["kh"], s=parts.get("kw", parts["kh"]), stride=(sh, parts.get("sw", sh)), padding=(ph, pw),
                dilation=(dh + 1, parts.get("dw", dh) + 1), groups=parts.get("g", 1))


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def cases(shape, warmup, repeats):
    torch.manual_seed(20261122)
    L = layer(shape)
    x = torch.randn(L["n"], L["c"], L["h"], L["w"])
    w = torch.randn(L["k"], L["c"] // L["groups"], L["r"], L["s"])
    args = dict(stride=L["stride"], padding=L["padding"], dilation=L["dilation"], groups=L["groups"])
    with torch.no_grad():
        y = F.conv2d(x, w, **args)
        yield "conv2d_fwd", median_ms(lambda: F.conv2d(x, w, **args), warmup, repeats)
    dy = torch.randn_like(y)

    def backward(mask):
        return torch.ops.aten.convolution_backward(dy, x, w, None, list(L["stride"]), list(L["padding"]),
                                                   list(L["dilation"]), False, [0, 0], L["groups"], mask)

    with torch.no_grad():
        yield "conv2d_bwd_data", median_ms(lambda: backward([True, False, False]), warmup, repeats)
        yield "conv2d_bwd_weights", median_ms(lambda: backward([False, True, False]), warmup, repeats)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shapes", default="mb32ic64ih56iw56oc64kh3kw3ph1")
    p.add_argument("--variants", default="plain")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=30)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    rows = []
    if "plain" in a.variants.split(","):
        for shape in a.shapes.split(","):
            for op, ms in cases(shape, a.warmup, a.repeats):
                rows.append({"op": op, "shape": shape, "variant": "plain", "ms": ms})
                print(f"pytorch {op} {shape}: {ms:.3f} ms", file=sys.stderr)
    json.dump({"version": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
