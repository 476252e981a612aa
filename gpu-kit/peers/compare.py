#!/usr/bin/env python3
"""measure.sh's summary: clengine's rows (OUTDIR/bench-*/bench.json) against PyTorch's (OUTDIR/torch_peers.json) and
against the engine's own copy kernel, with issue #13's targets.

    python3 compare.py OUTDIR

For each op and shape clengine's plain variant (else unfused, else the only one) is set beside
torch's row of the same op and shape: speed = torch ms / clengine ms (above 1: clengine faster). Batch norm rows are
also set against the copy kernel's bandwidth on the same shape (bytes as clengine counts them). Targets: GEMM >= 0.8x
cuBLAS; batch norm forward-training and backward >= 0.8x the copy kernel and faster than torch; conv 3x3 >= 0.5x
cuDNN. A missing row is printed as missing: nothing is made up.
"""
import glob
import json
import os
import sys

TARGETS = {"matmul": ("torch", 0.8), "conv2d_fwd": ("torch", 0.5), "conv2d_bwd_data": ("torch", 0.5),
           "conv2d_bwd_weights": ("torch", 0.5), "batchnorm_fwd_train": ("copy", 0.8), "batchnorm_bwd": ("copy", 0.8)}


def rank(row):
    """The variant set beside torch's plain op: plain, else unfused, else whichever came first."""
    return {"plain": 0, "unfused": 1}.get(row["variant"], 2)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"missing: {path} ({e.__class__.__name__})")
        return None


def main(outdir):
    ours, copies, devices = {}, {}, []
    for path in sorted(glob.glob(os.path.join(outdir, "bench-*", "bench.json"))):
        doc = load(path)
        if not doc:
            continue
        devices.append(f"{doc.get('device')} ({doc.get('driver')})")
        for r in doc["rows"]:
            key = (r["op"], r["shape"])
            if r["system"] == "copy":
                copies[r["shape"]] = r
            elif r["system"] == "clengine" and (key not in ours or rank(r) < rank(ours[key])):
                ours[key] = r
    peers = load(os.path.join(outdir, "torch_peers.json")) or {"rows": [], "device": None}
    torch = {(r["op"], r["shape"]): r for r in peers["rows"] if r["system"] == "torch"}
    print("clengine on: " + ("; ".join(sorted(set(devices))) or "no benchmark results"))
    print(f"torch on:    {peers.get('device')} ({peers.get('driver')})")
    print(f"\n{'op':<20} {'shape':<34} {'clengine ms':>11} {'torch ms':>9} {'speed':>6} {'of copy':>7}  target")
    for key in sorted(set(ours) | set(k for k in torch if k[0] in TARGETS)):
        op, shape = key
        mine, theirs = ours.get(key), torch.get(key)
        speed = theirs["ms"] / mine["ms"] if mine and theirs else None
        copy = copies.get(shape)
        of_copy = mine["gbps"] / copy["gbps"] if mine and copy and mine.get("gbps") and copy.get("gbps") else None
        against, want = TARGETS.get(op, (None, None))
        verdict = ""
        if against == "torch" and speed is not None:
            verdict = f"{'met' if speed >= want else 'missed'} (>= {want}x torch)"
        elif against == "copy" and of_copy is not None:
            verdict = f"{'met' if of_copy >= want and (speed or 0) > 1 else 'missed'} (>= {want}x copy, > torch)"
        fmt = lambda v, f: f"{v:{f}}" if v is not None else "missing"
        print(f"{op:<20} {shape:<34} {fmt(mine and mine['ms'], '11.3f'):>11} {fmt(theirs and theirs['ms'], '9.3f'):>9}"
              f" {fmt(speed, '6.2f'):>6} {fmt(of_copy, '7.2f'):>7}  {verdict}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: compare.py OUTDIR")
    main(sys.argv[1])
