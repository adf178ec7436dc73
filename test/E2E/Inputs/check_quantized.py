"""Checks a checkpoint written by `attnc quantize` against the f32 one it
was made from, independently of the runtime: every I8 tensor NAME has f16
scales NAME.scales (its shape with the input axis cut to blocks of 32), and
values times scales equal harness.quantize_int8 (docs/abi.md's rule, in
PyTorch) of the original weight; every other tensor is unchanged. Prints
what it found.

usage: check_quantized.py ORIGINAL.safetensors QUANTIZED.safetensors
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "reference"))
import harness  # noqa: E402
import safetensors_np  # noqa: E402


def main(original_path, quantized_path):
    original = safetensors_np.load(original_path)
    quantized = safetensors_np.load(quantized_path)
    print("metadata:", safetensors_np.load_metadata(quantized_path))
    count, exact, kept = 0, True, []
    for name, values in sorted(quantized.items()):
        if name.endswith(".scales"):
            continue
        if values.dtype != np.int8:
            exact &= np.array_equal(values, original[name])
            if values.ndim == 2:
                kept.append(name)
            continue
        scales = quantized[name + ".scales"]
        assert scales.dtype == np.float16, (name, scales.dtype)
        scales = scales.astype(np.float32)
        blocks = [-(-size // harness.INT8_BLOCK) for size in values.shape]
        in_axis = 1 if list(scales.shape) == [values.shape[0], blocks[1]] else 0
        assert list(scales.shape) == ([values.shape[0], blocks[1]] if in_axis
                                      else [blocks[0], values.shape[1]]), name
        q, s, w = values, scales, original[name]
        if in_axis == 0:
            q, s, w = q.T, s.T, w.T
        got = q.astype(np.float32) * np.repeat(s, harness.INT8_BLOCK, axis=1)[:, :q.shape[1]]
        want = harness.quantize_int8(torch.from_numpy(np.ascontiguousarray(w))).numpy()
        exact &= np.array_equal(got, want)
        count += 1
    names = set(quantized) - {n for n in quantized if n.endswith(".scales")}
    print(f"quantized {count} tensors, the rule exactly: {exact}; same names: "
          f"{names == set(original)}")
    print("f32 matrices kept:", ", ".join(kept))


if __name__ == "__main__":
    main(*sys.argv[1:])
