#!/usr/bin/env python3
"""Writes seeded random weights for a compiled model, named as its manifest
says (per-layer tensors for stacked parameters), as a safetensors file."""
import ctypes
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "reference"))
import safetensors_np  # noqa: E402


def main(model, out, seed="0"):
    lib = ctypes.CDLL(model)
    lib.attnc_model_manifest.restype = ctypes.c_char_p
    manifest = json.loads(lib.attnc_model_manifest())
    rng = np.random.default_rng(int(seed))
    tensors = {}
    for p in manifest["params"]:
        layers = p.get("layers", 0)
        shape = p["shape"][1:] if layers else p["shape"]
        for layer in range(max(layers, 1)):
            name = p["tensor"].replace("{i}", str(layer))
            # Norm weights near 1, everything else small: stable activations.
            if len(shape) == 1 and ("ln" in name or "norm" in name) and name.endswith("weight"):
                value = 1 + 0.1 * rng.standard_normal(shape)
            else:
                value = rng.standard_normal(shape) * (0.5 / np.sqrt(shape[-1]))
            tensors[name] = value.astype(np.float32)
    safetensors_np.save(out, tensors)


if __name__ == "__main__":
    main(*sys.argv[1:])
