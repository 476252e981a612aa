#!/usr/bin/python3
"""SafeTensorsTorchTest's PyTorch side: the train models' twins, a 20-line safetensors reader and writer (Debian has
no python3-safetensors; the format is an 8-byte little-endian header length, a JSON header, raw data).

    torch_safetensors.py DIR...

Each DIR holds case.txt ("KIND NORM C H W CLASSES N SEED"), x.f32 (N×C×H×W float32) and clengine.safetensors. Writes
y_from_clengine.f32 (the twin with clengine's weights, load_state_dict(strict=True), eval), then trains a twin of its
own a few steps and writes torch.safetensors and y_torch.f32 (its eval outputs on x).
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = bytearray(data[8 + n + b:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
    return out


def write_safetensors(path, tensors):
    header, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().numpy().astype("<f4" if t.dtype == torch.float32 else "<i8").tobytes()
        header[name] = {"dtype": "F32" if t.dtype == torch.float32 else "I64", "shape": list(t.shape),
                        "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-(8 + len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Block(nn.Module):
    """clengine's ResidualBlock: torchvision's BasicBlock names (conv1, bn1, conv2, bn2, downsample.0/1)."""

    def __init__(self, cin, cout, stride, bn):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=not bn)
        self.bn1 = nn.BatchNorm2d(cout) if bn else None
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=not bn)
        self.bn2 = nn.BatchNorm2d(cout) if bn else None
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=not bn),
                                            *([nn.BatchNorm2d(cout)] if bn else []))

    def forward(self, x):
        y = self.conv1(x)
        y = torch.relu(self.bn1(y) if self.bn1 is not None else y)
        y = self.conv2(y)
        y = self.bn2(y) if self.bn2 is not None else y
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class GlobalAvg(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


def build(kind, norm, c, h, w, k):
    """The twin of org.clengine.train.Models.build, module for module (the indices are the state_dict names)."""
    before, after = norm == "BEFORE_RELU", norm == "AFTER_RELU"

    def block(layer, norm_layer, cin, cout):
        return [layer(cin, cout, bias=not before)] + ([norm_layer(cout)] if before else []) + [nn.ReLU()] + \
            ([norm_layer(cout)] if after else [])

    def conv(cin, cout, bias):
        return nn.Conv2d(cin, cout, 3, padding=1, bias=bias)

    if kind == "CNN":
        m = block(conv, nn.BatchNorm2d, c, 32) + [nn.MaxPool2d(2)] + block(conv, nn.BatchNorm2d, 32, 64) + \
            [nn.MaxPool2d(2), nn.Flatten()] + block(nn.Linear, nn.BatchNorm1d, 64 * (h // 4) * (w // 4), 128) + \
            [nn.Linear(128, k)]
    elif kind == "MLP":
        m = [nn.Flatten()] + block(nn.Linear, nn.BatchNorm1d, c * h * w, 256) + \
            block(nn.Linear, nn.BatchNorm1d, 256, 256) + [nn.Linear(256, k)]
    else:
        m = block(conv, nn.BatchNorm2d, c, 16) + [Block(16, 16, 1, before), Block(16, 32, 2, before),
                                                   Block(32, 64, 2, before), GlobalAvg(), nn.Linear(64, k)]
    return nn.Sequential(*m)


def run(d):
    kind, norm, c, h, w, k, n, seed = open(f"{d}/case.txt").read().split()
    c, h, w, k, n, seed = map(int, (c, h, w, k, n, seed))
    x = torch.from_numpy(np.fromfile(f"{d}/x.f32", dtype="<f4").reshape(n, c, h, w).copy())
    net = build(kind, norm, c, h, w, k)
    net.load_state_dict(read_safetensors(f"{d}/clengine.safetensors"), strict=True)
    with torch.no_grad():
        net.eval()(x).numpy().astype("<f4").tofile(f"{d}/y_from_clengine.f32")
    torch.manual_seed(seed)
    net = build(kind, norm, c, h, w, k).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(net(torch.randn(n, c, h, w)), torch.arange(n) % k).backward()
        opt.step()
    write_safetensors(f"{d}/torch.safetensors", net.state_dict())
    with torch.no_grad():
        net.eval()(x).numpy().astype("<f4").tofile(f"{d}/y_torch.f32")


if __name__ == "__main__":
    torch.set_num_threads(1)
    for case in sys.argv[1:]:
        run(case)
