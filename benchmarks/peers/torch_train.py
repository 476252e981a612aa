#!/usr/bin/python3
"""The peer of `./clengine train`: the same model, data, optimizer and schedule in PyTorch on the CPU.

Run with Debian's python3-torch (1.13, CPU) under /usr/bin/python3:

    /usr/bin/python3 benchmarks/peers/torch_train.py --threads 2 --epochs 1

Model (train's default `cnn`, batch norm before ReLU): conv3x3 32 (no bias), BN, ReLU, maxpool 2; conv3x3 64,
BN, ReLU, maxpool 2; flatten; linear 128 (no bias), BN1d, ReLU; linear 10. SGD lr 0.1, momentum 0.9, weight
decay 5e-4, cosine schedule stepped per batch, batch 128 with the last partial batch dropped, inputs normalised
by the training set's mean and std. `--model resnet` is train's resnet (org.clengine.train.Models): conv3x3 16,
BN, ReLU; basic blocks 16, 32 (stride 2), 64 (stride 2) as torchvision's BasicBlock (1x1 conv + BN shortcut where
the stride or width changes); global average pool; linear 10. Prints per-epoch training images/s (the same count clengine prints: the
training steps' wall time, evaluation excluded) and test accuracy.
"""
import argparse
import gzip
import math
import time

import numpy as np
import torch
import torch.nn as nn


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def model(bn=True):
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=not bn)] + ([nn.BatchNorm2d(cout)] if bn else []) + \
            [nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 32), *block(32, 64), nn.Flatten(), nn.Linear(64 * 7 * 7, 128, bias=not bn),
                         *([nn.BatchNorm1d(128)] if bn else []), nn.ReLU(), nn.Linear(128, 10))


class Block(nn.Module):
    """clengine's ResidualBlock: torchvision's BasicBlock (conv1, bn1, conv2, bn2, downsample.0/1), BN before ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


def resnet(classes=10):
    """The twin of Models.build(RESNET, …, BEFORE_RELU) for 1-channel images."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(64, classes))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--model", choices=("cnn", "resnet"), default="cnn")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = idx(f"{a.data}/train-images-idx3-ubyte.gz").astype(np.float32) / 255
    y = idx(f"{a.data}/train-labels-idx1-ubyte.gz").astype(np.int64)
    tx = idx(f"{a.data}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
    ty = idx(f"{a.data}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    if a.limit:
        x, y = x[:a.limit], y[:a.limit]
    mean, std = x.mean(dtype=np.float64), x.std(dtype=np.float64)
    x = torch.from_numpy((x - mean) / std).float().unsqueeze(1)
    tx = torch.from_numpy((tx - mean) / std).float().unsqueeze(1)
    y, ty = torch.from_numpy(y), torch.from_numpy(ty)
    net = model() if a.model == "cnn" else resnet()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    steps = len(x) // a.batch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (1 + math.cos(math.pi * min(s, steps * a.epochs)
                                                                          / (steps * a.epochs))) / 2)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    for epoch in range(1, a.epochs + 1):
        net.train()
        order = torch.randperm(len(x), generator=g)
        start = time.perf_counter()
        for s in range(steps):
            i = order[s * a.batch:(s + 1) * a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[i]), y[i])
            loss.backward()
            opt.step()
            sched.step()
        seconds = time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            correct = sum((net(tx[j:j + 1000]).argmax(1) == ty[j:j + 1000]).sum().item()
                          for j in range(0, len(tx), 1000))
        print(f"epoch {epoch}/{a.epochs}: last loss {loss.item():.4f} | test acc {100 * correct / len(tx):.2f}% | "
              f"{steps * a.batch / seconds:.0f} images/s ({seconds:.1f} s, {a.threads} threads, {a.model}, torch "
              f"{torch.__version__})", flush=True)


if __name__ == "__main__":
    main()
