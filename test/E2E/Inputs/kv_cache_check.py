#!/usr/bin/env python3
"""Checks a compiled decoder's KV-cache entry against its full forward pass.

Calls the model's C ABI directly (docs/abi.md) with ctypes: random parameters
from the manifest's shapes, random token ids; the logits of a prefill of
`--prefill` tokens followed by one-token decode steps must equal, position by
position, the logits of one forward pass over the whole sequence (relative
error <= 1e-4: both paths compute in f32 but sum in different orders). A step
returns the outputs the manifest lists in "kv_cache"."last_position" for its
last token only (docs/abi.md), so the prefill gives the last prompt
position's logits.
Also checks that a step past the cache's capacity is refused (status 1).
The forward pass gets a NULL arena (the model allocates its own), the steps
one of the manifest's "arena" size, allocated here.
"""
import argparse
import ctypes
import json
import sys

import numpy as np


def build_pack(spec, whole):
    """The members concatenated, then for "layout": "panels" rearranged into
    [lead.., ceil(out / 48), in, 48] column panels, zero-padded."""
    if spec.get("layout") != "panels":
        return np.ascontiguousarray(whole)
    out_axis = spec["out_axis"]
    if out_axis == whole.ndim - 2:
        whole = np.swapaxes(whole, -1, -2)  # [lead.., in, out]
    ins, outs = whole.shape[-2], whole.shape[-1]
    panels = -(-outs // 48)
    padded = np.zeros(whole.shape[:-1] + (panels * 48,), np.float32)
    padded[..., :outs] = whole
    split = padded.reshape(whole.shape[:-2] + (ins, panels, 48))
    return np.ascontiguousarray(np.moveaxis(split, -2, -3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=12)
    ap.add_argument("--prefill", type=int, default=5)
    ap.add_argument("--capacity", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    lib = ctypes.CDLL(args.model)
    lib.attnc_model_manifest.restype = ctypes.c_char_p
    manifest = json.loads(lib.attnc_model_manifest())
    cache = manifest.get("kv_cache")
    if cache is None:
        sys.exit("error: the model has no incremental-decoding entry")
    rng = np.random.default_rng(args.seed)
    vocab = manifest["constants"].get("vocab_size", 50)
    B, T = args.batch, args.tokens

    def shape_of(spec, dims, step=False):
        shape = [dims[d] if isinstance(d, str) else d for d in spec["shape"]]
        if step and spec["name"] in cache.get("last_position", []):
            shape[1] = 1
        return shape

    params = []
    for p in manifest["params"]:
        fan_in = p["shape"][-1]
        params.append((rng.standard_normal(p["shape"]) / np.sqrt(fan_in)).astype(np.float32))
    ids = rng.integers(0, vocab, size=(B, T)).astype(np.int64)
    # Parameters the compiler packed (docs/abi.md, "packed_params").
    index = {p["name"]: i for i, p in enumerate(manifest["params"])}
    packs = [build_pack(p, np.concatenate([params[index[m]] for m in p["of"]], axis=p["axis"]))
             for p in manifest.get("packed_params", [])]

    def arena_bytes(terms, values):
        total = 0
        for term in terms:
            total += term["bytes"] * int(np.prod([values[n] for n in term["times"]]))
        return total

    def aligned_arena(nbytes):
        raw = np.zeros(nbytes + 64, np.uint8)
        start = (-raw.ctypes.data) % 64
        return raw[start:start + nbytes]

    def call(entry, dims, inputs, cache_buf=None, position=0):
        dim_values = {"batch": dims[0], "seq": dims[1]}
        dim_values = {cache["batch_dim"]: dims[0], cache["seq_dim"]: dims[1]}
        outputs = [np.zeros(shape_of(o, dim_values, cache_buf is not None), np.float32)
                   for o in manifest["outputs"]]
        arrays = inputs + params + outputs + packs
        pointers = [a.ctypes.data for a in arrays]
        if "arena" in manifest:
            if cache_buf is None:
                pointers.append(None)
            else:
                values = dict(dim_values, capacity=args.capacity, position=position)
                arena = aligned_arena(arena_bytes(manifest["arena"]["step"], values))
                pointers.append(arena.ctypes.data)
        bufs = (ctypes.c_void_p * len(pointers))(*pointers)
        dims_arr = (ctypes.c_int64 * len(manifest["dims"]))(*[dim_values[d] for d in manifest["dims"]])
        if cache_buf is None:
            rc = lib.attnc_model_forward(dims_arr, bufs)
        else:
            rc = lib.attnc_model_step(dims_arr, bufs, ctypes.c_void_p(cache_buf.ctypes.data),
                                      ctypes.c_int64(args.capacity), ctypes.c_int64(position))
        return rc, outputs[0]

    rc, full = call(None, (B, T), [np.ascontiguousarray(ids)])
    assert rc == 0, rc
    kv = np.zeros(cache["floats_per_token"] * B * args.capacity, np.float32)
    rc, logits = call(True, (B, args.prefill), [np.ascontiguousarray(ids[:, :args.prefill])], kv, 0)
    assert rc == 0, rc
    steps = [logits]
    for t in range(args.prefill, T):
        rc, logits = call(True, (B, 1), [np.ascontiguousarray(ids[:, t:t + 1])], kv, t)
        assert rc == 0, rc
        steps.append(logits)
    incremental = np.concatenate(steps, axis=1)
    assert "logits" in cache.get("last_position", []), cache
    full = full[:, args.prefill - 1:]
    assert incremental.shape == full.shape, (incremental.shape, full.shape)
    scale = np.abs(full).max()
    err = np.abs(incremental - full).max()
    rel = err / scale
    status = "PASS" if rel <= 1e-4 else "FAIL"
    print(f"kv-cache {manifest['name']} batch={B} tokens={T} prefill={args.prefill}: "
          f"max_abs={err:.3g} max_rel={rel:.3g} {status}")

    rc, _ = call(True, (B, 2), [np.ascontiguousarray(ids[:, :2])], kv, args.capacity - 1)
    print(f"overflow step status={rc}")
    return 0 if status == "PASS" and rc == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
