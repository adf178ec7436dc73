#!/usr/bin/env python3
"""Writes a checkpoint of random weights for a compiled model, one tensor at
a time and in each parameter's compiled dtype (a bf16 model gets bf16
tensors), so that a model larger than half the memory can still be given
weights: nothing but the tensor being written is held.

usage: random_checkpoint.py MODEL.so OUT.safetensors [--std 0.02] [--seed 0]

Names and shapes come from the compiled model (the runtime's Python binding):
a stacked parameter ("model.layers.{i}.mlp.up_proj.weight") is written as one
tensor per layer. Values are normal with the given standard deviation (bf16: the f32 values
truncated; f16: rounded by numpy), drawn from a pool of 2^25 values at random
offsets (RandomPool).
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import attnc  # noqa: E402

_SAFETENSORS_DTYPE = {"f32": "F32", "bf16": "BF16", "f16": "F16"}
_ITEM_SIZE = {"f32": 4, "bf16": 2, "f16": 2}
_CHUNK = 1 << 24  # elements generated at a time


def tensors_of(model):
    """(checkpoint name, dtype, shape) of every tensor the model reads."""
    out = []
    for p in model.params:
        if p.dtype not in _SAFETENSORS_DTYPE:
            sys.exit(f"random_checkpoint: parameter '{p.name}' is {p.dtype}: "
                     "only f32, bf16 and f16 parameters can be written")
        name = p.tensor or p.name
        shape = list(p.shape)
        if "{i}" in name:
            for i in range(shape[0]):
                out.append((name.replace("{i}", str(i)), p.dtype, shape[1:]))
        else:
            out.append((name, p.dtype, shape))
    return out


class RandomPool:
    """A pool of 2^24 random values per dtype, written from a random offset
    for each chunk: writing 13.5 GB is then bound by the disk, not by the
    generator, and a benchmark's weights need no more randomness than this."""

    def __init__(self, std, rng):
        values = rng.standard_normal(2 * _CHUNK, dtype=np.float32) * np.float32(std)
        self.rng = rng
        self.pools = {
            "f32": values,
            "bf16": (values.view(np.uint32) >> 16).astype(np.uint16),
            "f16": values.astype(np.float16),
        }

    def write(self, f, dtype, count):
        pool = self.pools[dtype]
        left = count
        while left:
            n = min(left, _CHUNK)
            start = int(self.rng.integers(0, len(pool) - n + 1))
            f.write(pool[start:start + n].tobytes())
            left -= n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--std", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with attnc.Model(args.model) as model:
        tensors = tensors_of(model)
    header, offset = {}, 0
    for name, dtype, shape in tensors:
        size = int(np.prod(shape, dtype=np.int64)) * _ITEM_SIZE[dtype]
        header[name] = {"dtype": _SAFETENSORS_DTYPE[dtype], "shape": shape,
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    pool = RandomPool(args.std, np.random.default_rng(args.seed))
    with open(args.out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, dtype, shape in tensors:
            pool.write(f, dtype, int(np.prod(shape, dtype=np.int64)))
    print(f"random_checkpoint: {len(tensors)} tensors, {offset / 1e9:.2f} GB -> {args.out}")


if __name__ == "__main__":
    main()
