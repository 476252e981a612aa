"""PyTorch CPU batch normalization, timed on clengine's benchmark shapes: the peer for BatchNormBench.

Times, per shape and variant, with torch.set_num_threads(THREADS):
  batchnorm_fwd_train  F.batch_norm(training=True) with running stats, autograd recording as in a training step
  batchnorm_fwd_infer  F.batch_norm(training=False) under no_grad
  batchnorm_bwd        autograd backward of the training forward (dx, dgamma, dbeta; dz for add_relu), graph kept
Variants as clengine's: plain = BN, relu = relu(BN(x)), add_relu = relu(BN(x) + z). PyTorch eager runs the ReLU and
the add as separate ops (unfused): that is its real cost for the same result.

Each case: `warmup` untimed calls, then `repeats` timed calls (perf_counter around each); the median is reported.
Prints one JSON object on stdout: {"version", "threads", "rows": [{"op", "shape", "variant", "ms"}]}.
Progress goes to stderr. Run: /usr/bin/python3 torch_batchnorm.py --shapes mb32ic64ih56iw56 --variants plain
"""
import argparse
import json
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

DESCRIPTOR = re.compile(r"mb(\d+)ic(\d+)(?:ih(\d+))?(?:iw(\d+))?")


def dims(descriptor):
    """NCHW, N,C,L or N,C, as clengine's BatchNormShape.parse reads the descriptor."""
    m = DESCRIPTOR.fullmatch(descriptor.strip())
    if not m:
        raise SystemExit(f"'{descriptor}' is not a batch norm descriptor such as mb32ic64ih56iw56")
    n, c, h, w = (int(g) if g else None for g in m.groups())
    if h is not None:
        if w is None:
            raise SystemExit(f"'{descriptor}' has ih without iw")
        return (n, c, h, w)
    return (n, c, w) if w is not None else (n, c)


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def forward(x, z, mean, var, gamma, beta, variant, training):
    y = F.batch_norm(x, mean, var, gamma, beta, training=training, momentum=0.1, eps=1e-5)
    if variant == "add_relu":
        y = y + z
    return F.relu(y) if variant != "plain" else y


def cases(shape, variant, warmup, repeats):
    torch.manual_seed(20261122)
    size = dims(shape)
    c = size[1]
    x = (torch.randn(size) * 2 + 1).requires_grad_()
    z = torch.randn(size).requires_grad_() if variant == "add_relu" else None
    gamma = (torch.rand(c) + 0.5).requires_grad_()
    beta = torch.randn(c).requires_grad_()
    mean, var = torch.zeros(c), torch.ones(c)
    dy = torch.randn(size)

    yield "batchnorm_fwd_train", median_ms(lambda: forward(x, z, mean, var, gamma, beta, variant, True),
                                           warmup, repeats)
    with torch.no_grad():
        yield "batchnorm_fwd_infer", median_ms(lambda: forward(x, z, mean, var, gamma, beta, variant, False),
                                               warmup, repeats)
    y = forward(x, z, mean, var, gamma, beta, variant, True)
    inputs = (x, gamma, beta) + ((z,) if z is not None else ())
    yield "batchnorm_bwd", median_ms(lambda: torch.autograd.grad(y, inputs, dy, retain_graph=True),
                                     warmup, repeats)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shapes", default="mb32ic64ih56iw56,mb256ic256ih14iw14,mb128ic2048")
    p.add_argument("--variants", default="plain,relu,add_relu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=30)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    rows = []
    for shape in a.shapes.split(","):
        for variant in a.variants.split(","):
            if variant not in ("plain", "relu", "add_relu"):
                raise SystemExit(f"unknown variant '{variant}'; known: plain, relu, add_relu")
            for op, ms in cases(shape, variant, a.warmup, a.repeats):
                rows.append({"op": op, "shape": shape, "variant": variant, "ms": ms})
                print(f"pytorch {op} {shape} {variant}: {ms:.3f} ms", file=sys.stderr)
    json.dump({"version": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
