#!/usr/bin/env python3
"""Checks a KV cache kept in bf16 or f16 (attnc compile --kv-cache-type)
against PyTorch, exactly where rounding can be exact.

The model is causal self-attention alone (Inputs/self-attention.attn): its
keys and values are the inputs k and v themselves, so the test knows them
before any arithmetic. Through the C ABI (docs/abi.md, with ctypes) it runs
a prefill and then steps of one or more tokens, and checks
  - the cache: after every step, its first position + S rows hold exactly
    the bits of k and v rounded to the cache's dtype by PyTorch (to nearest,
    ties to even), in the documented [batch, kv_heads, capacity, head_dim]
    layout, keys then values;
  - each step's output (the last new token's row: "last_position") against
    attention in float64 over those rounded keys and values, causal, with
    the window and ALiBi slopes of the manifest's constants, within 1e-4
    relative to the largest reference magnitude; and prints how far the
    output is from attention over the unrounded keys and values (what a
    kernel that ignored the rounding would match).
"""
import argparse
import ctypes
import json
import math
import sys

import numpy as np
import torch

NARROW = {"bf16": torch.bfloat16, "f16": torch.float16}


def rounded(x, dtype):
    """x (float32 numpy) rounded to `dtype`: the narrow tensor."""
    return torch.from_numpy(x).to(NARROW[dtype])


def alibi_slopes(heads):
    # transformers' build_alibi_tensor.
    closest = 2 ** math.floor(math.log2(heads))
    base = 2.0 ** (-(2.0 ** -(math.log2(closest) - 3)))
    slopes = [base ** (i + 1) for i in range(closest)]
    if closest != heads:
        extra = 2.0 ** (-(2.0 ** -(math.log2(2 * closest) - 3)))
        slopes += [extra ** (2 * i + 1) for i in range(min(closest, heads - closest))]
    return torch.tensor(slopes, dtype=torch.float64)


def attention(q, k, v, heads, kv_heads, offset, window, alibi):
    """q [B, S, H*D] of positions offset.., k, v [B, T, G*D] (float64)."""
    b, s, _ = q.shape
    t = k.shape[1]
    d = q.shape[2] // heads
    q = q.view(b, s, heads, d).transpose(1, 2)
    k = k.view(b, t, kv_heads, d).transpose(1, 2).repeat_interleave(heads // kv_heads, 1)
    v = v.view(b, t, kv_heads, d).transpose(1, 2).repeat_interleave(heads // kv_heads, 1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    if alibi:
        scores = scores + alibi_slopes(heads)[:, None, None] * torch.arange(t, dtype=torch.float64)
    i = torch.arange(s)[:, None] + offset
    j = torch.arange(t)[None, :]
    hidden = j > i
    if window:
        hidden = hidden | (j <= i - window)
    scores = scores.masked_fill(hidden, float("-inf"))
    return (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, s, heads * d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--chunks", default="5,1,1,7,1",
                    help="new tokens per step, the first the prefill")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    chunks = [int(c) for c in args.chunks.split(",")]

    lib = ctypes.CDLL(args.model)
    lib.attnc_model_manifest.restype = ctypes.c_char_p
    manifest = json.loads(lib.attnc_model_manifest())
    cache = manifest["kv_cache"]
    dtype = cache["dtype"]
    if dtype not in NARROW:
        sys.exit(f"error: the model's KV cache is {dtype}; compile with --kv-cache-type")
    consts = manifest["constants"]
    heads, kv_heads, d = consts["heads"], consts["kv_heads"], consts["d"]
    window, alibi = consts.get("window", 0), consts.get("alibi", 0)
    (site,) = cache["sites"]
    assert (site["kv_heads"], site["head_dim"], site["layers"]) == (kv_heads, d, 1), site
    B, total = args.batch, sum(chunks)
    capacity = total + 3  # rows past the tokens stay as allocated

    rng = np.random.default_rng(args.seed)
    x = {name: rng.standard_normal((B, total, width)).astype(np.float32)
         for name, width in (("q", heads * d), ("k", kv_heads * d), ("v", kv_heads * d))}
    # One element exactly halfway between two values of the narrow type, so
    # that ties go to even (bf16: the low 16 bits 0x8000); subnormals of the
    # narrow type, which must round like the rest, not flush to zero
    # (vcvtneps2bf16 would); roundings that carry into the exponent.
    bits = x["k"].view(np.uint32)
    if dtype == "bf16":
        bits[0, 0, 0] = (bits[0, 0, 0] & 0xFFFF0000) | 0x8000
        bits[0, 0, 1] = 0x00012345  # 1.04e-40 -> bf16 0x0001
        bits[0, 0, 2] = 0x80408000  # -5.9e-39: a tie, to even 0x8040
        bits[0, 0, 3] = 0x3F7FFF80  # a tie below 1.0: to even, 1.0
        bits[0, 0, 4] = 0x3F7FFFC0  # above the tie: 1.0
    else:
        x["k"][0, 0, 1:4] = [1e-6, -3e-8, 6.1e-5]  # f16 subnormals
        bits[0, 0, 4] = 0x3F7FF000  # a tie below 1.0 in f16: to even, 1.0
    kv = np.zeros(cache["floats_per_token"] * B * capacity, np.uint16)

    def arena_bytes(terms, values):
        return sum(t["bytes"] * int(np.prod([values[n] for n in t["times"]])) for t in terms)

    worst, unrounded, cache_ok, statuses = 0.0, 0.0, True, []
    at = 0
    for n in chunks:
        new = {name: np.ascontiguousarray(a[:, at:at + n]) for name, a in x.items()}
        out = np.zeros((B, 1, heads * d), np.float32)
        arrays = [new[i["name"]] for i in manifest["inputs"]] + [out]
        pointers = [a.ctypes.data for a in arrays]
        values = {cache["batch_dim"]: B, cache["seq_dim"]: n, "capacity": capacity,
                  "position": at}
        arena = None
        if "arena" in manifest:
            arena = np.zeros(arena_bytes(manifest["arena"]["step"], values) + 64, np.uint8)
            pointers.append(arena.ctypes.data + (-arena.ctypes.data) % 64)
        bufs = (ctypes.c_void_p * len(pointers))(*pointers)
        dims = (ctypes.c_int64 * len(manifest["dims"]))(*[values[m] for m in manifest["dims"]])
        statuses.append(lib.attnc_model_step(dims, bufs, ctypes.c_void_p(kv.ctypes.data),
                                             ctypes.c_int64(capacity), ctypes.c_int64(at)))
        at += n

        # The cache: keys then values, each [batch, kv_heads, capacity, d].
        held = kv.reshape(2, B, kv_heads, capacity, d)[:, :, :, :at]
        for side, name in enumerate("kv"):
            want = rounded(x[name][:, :at], dtype).view(torch.int16).numpy().view(np.uint16)
            want = want.reshape(B, at, kv_heads, d).transpose(0, 2, 1, 3)
            cache_ok = cache_ok and np.array_equal(held[side], want)

        f64 = {name: torch.from_numpy(a[:, :at]).double() for name, a in x.items()}
        narrow = {name: rounded(x[name][:, :at], dtype).double() for name in "kv"}
        q = f64["q"][:, at - 1:]
        ref = attention(q, narrow["k"], narrow["v"], heads, kv_heads, at - 1, window, alibi)
        plain = attention(q, f64["k"], f64["v"], heads, kv_heads, at - 1, window, alibi)
        got = torch.from_numpy(out).double()
        scale = ref.abs().max().item()
        worst = max(worst, (got - ref).abs().max().item() / scale)
        unrounded = max(unrounded, (got - plain).abs().max().item() / scale)

    ok = cache_ok and worst <= 1e-4 and statuses == [0] * len(chunks)
    print(f"kv-cache {dtype} batch={B} chunks={args.chunks} heads={heads}/{kv_heads} d={d} "
          f"window={window} alibi={alibi}: cache={'exact' if cache_ok else 'WRONG'} "
          f"statuses={statuses} max_rel={worst:.3g} {'PASS' if ok else 'FAIL'}")
    print(f"against unrounded keys and values: max_rel={unrounded:.3g}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
