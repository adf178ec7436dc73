#!/usr/bin/env python3
"""Checks that the graph passes do not change what a model computes.

Compiles MODEL.attn twice, with the graph passes (attention fusion,
canonicalization) and with --fuse=false, runs both on the same seeded random
weights (from the manifest's shapes) and inputs, and compares every output:
max |fused - unfused| / max |unfused| must be <= 1e-5. Both compute in f32;
fusion only changes the order of some sums (a fused softmax-matmul against
the spelled-out one), which moves outputs by ~1e-7 of their magnitude, while
a wrong rewrite (another scale, mask or operand order) moves them by far
more than 1e-5.

usage: fusion_check.py WORKDIR MODEL.attn [-D name=value]... [--shape B,S...]
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "reference"))
sys.dont_write_bytecode = True
import safetensors_np  # noqa: E402

REL_TOL = 1e-5


def attnc(*args):
    subprocess.run(["attnc", *args], check=True)


def random_weights(manifest, rng):
    weights = {}
    for p in manifest["params"]:
        shape = p["shape"][1:] if "layers" in p else p["shape"]
        for layer in range(p.get("layers", 1)):
            name = p["tensor"].replace("{i}", str(layer))
            if len(shape) == 1:  # norm weights and biases around 1
                value = 1.0 + 0.1 * rng.standard_normal(shape)
            else:
                value = rng.standard_normal(shape) / np.sqrt(shape[-1])
            weights[name] = value.astype(np.float32)
    return weights


def random_inputs(manifest, dims, rng):
    vocab = min([v for k, v in manifest["constants"].items() if "vocab" in k and v > 1],
                default=2)
    inputs = {}
    for spec in manifest["inputs"]:
        if "default" in spec:
            continue
        shape = [dims[d] if isinstance(d, str) else d for d in spec["shape"]]
        if spec["dtype"] == "f32":
            inputs[spec["name"]] = rng.standard_normal(shape).astype(np.float32)
        elif spec["name"].endswith("mask") and len(shape) == 2:
            # A padding mask [batch, keys]: about one key in three dropped,
            # never the first (a row seeing no key has no defined output).
            keep = rng.uniform(size=shape) > 0.3
            keep[:, 0] = True
            inputs[spec["name"]] = keep.astype(np.int64)
        else:
            inputs[spec["name"]] = rng.integers(0, vocab, size=shape).astype(np.int64)
    return inputs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workdir")
    ap.add_argument("model")
    ap.add_argument("-D", action="append", default=[], dest="defines")
    ap.add_argument("--shape", action="append", default=[],
                    help="comma-separated values of the manifest's dims, in order")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(args.model))[0]
    defines = [f"-D{d}" for d in args.defines]
    fused = os.path.join(args.workdir, f"{stem}-fused.so")
    unfused = os.path.join(args.workdir, f"{stem}-unfused.so")
    attnc("compile", args.model, *defines, "-o", fused)
    attnc("compile", args.model, *defines, "--fuse=false", "-o", unfused)

    lib = ctypes.CDLL(fused)
    lib.attnc_model_manifest.restype = ctypes.c_char_p
    manifest = json.loads(lib.attnc_model_manifest())
    rng = np.random.default_rng(0)
    weights = os.path.join(args.workdir, f"{stem}.weights.safetensors")
    safetensors_np.save(weights, random_weights(manifest, rng))

    failures = 0
    for shape in args.shape:
        dims = dict(zip(manifest["dims"], map(int, shape.split(","))))
        inputs = os.path.join(args.workdir, f"{stem}-{shape}.inputs.safetensors")
        safetensors_np.save(inputs, random_inputs(manifest, dims, rng))
        results = []
        for so in (fused, unfused):
            out = so + f"-{shape}.outputs.safetensors"
            attnc("run", so, "--weights", weights, "--inputs", inputs, "--outputs", out)
            results.append(safetensors_np.load(out))
        for name, ref in results[1].items():
            got = results[0][name].astype(np.float64)
            ref = ref.astype(np.float64)
            err = float(np.max(np.abs(got - ref))) if ref.size else 0.0
            rel = err / max(float(np.max(np.abs(ref))), 1e-30)
            ok = np.all(np.isfinite(got)) and rel <= REL_TOL
            failures += not ok
            print(f"{stem} {shape} {name}: max_abs={err:.3g} max_rel={rel:.3g} "
                  f"{'PASS' if ok else 'FAIL'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
