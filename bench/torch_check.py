"""The sanity check of bench/run.sh: runs the PyTorch GPT-2 block on the
weights and input attnc-bench --dump wrote, and prints the largest absolute
difference from attnc's output, so nobody benchmarks a broken kernel.

usage: torch_check.py DIR     (DIR/{weights,inputs,outputs}.safetensors)
Prints "max_abs_diff=... max_abs_output=..."; exits 1 above --tolerance.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_read  # noqa: E402
from torch_gpt2 import Block, load_hf  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--tolerance", type=float, default=1e-3)
    a = p.parse_args()
    weights, inputs, outputs = (
        safetensors_read.read(os.path.join(a.dir, f + ".safetensors"))
        for f in ("weights", "inputs", "outputs"))
    block = Block()
    load_hf(block, weights)
    with torch.inference_mode():
        y, _ = block(inputs["x"])
    diff = (y - outputs["y"]).abs().max().item()
    print(f"max_abs_diff={diff:.3g} max_abs_output={y.abs().max().item():.3g}")
    sys.exit(0 if diff <= a.tolerance else 1)


if __name__ == "__main__":
    main()
