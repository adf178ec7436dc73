#!/usr/bin/env python3
"""Checks the runtime's incremental decoding (runtime.h) on a compiled decoder.

Through the C API with ctypes: load the model and random weights (written as
safetensors by this script), then compare the logits of session steps (a
prefill, then one token per step) with those of one attnc_session_run over the
whole sequence (relative error <= 1e-4), and check the errors for a full cache
and for a changed batch size.
"""
import argparse
import ctypes as C
import json
import struct
import sys

import numpy as np


class Tensor(C.Structure):
    _fields_ = [("name", C.c_char_p), ("dtype", C.c_int), ("rank", C.c_int32),
                ("shape", C.POINTER(C.c_int64)), ("data", C.c_void_p)]


DTYPE_F32, DTYPE_I64 = 0, 7


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runtime")
    ap.add_argument("model")
    ap.add_argument("weights")
    args = ap.parse_args()
    rt = C.CDLL(args.runtime)
    rt.attnc_last_error.restype = C.c_char_p
    rt.attnc_model_manifest_json.restype = C.c_char_p

    def check(status, what):
        if status != 0:
            sys.exit(f"error: {what}: {rt.attnc_last_error().decode()}")

    model = C.c_void_p()
    check(rt.attnc_model_open(args.model.encode(), C.byref(model)), "open")
    manifest = json.loads(rt.attnc_model_manifest_json(model))
    rng = np.random.default_rng(1)
    weights = {}
    for p in manifest["params"]:
        for layer in range(p.get("layers", 1)):
            shape = p["shape"][1:] if "layers" in p else p["shape"]
            name = p["tensor"].replace("{i}", str(layer))
            weights[name] = rng.standard_normal(shape) / np.sqrt(shape[-1])
    write_safetensors(args.weights, weights)
    check(rt.attnc_model_load_weights(model, args.weights.encode()), "load weights")
    assert rt.attnc_model_has_kv_cache(model) == 1

    session = C.c_void_p()
    check(rt.attnc_session_create(model, C.byref(session)), "session")
    vocab = manifest["constants"].get("vocab_size", 50)
    ids = rng.integers(0, vocab, size=(2, 10)).astype(np.int64)

    def call(fn, block):
        block = np.ascontiguousarray(block)
        shape = (C.c_int64 * 2)(*block.shape)
        t = Tensor(b"input_ids", DTYPE_I64, 2, shape, block.ctypes.data)
        out = C.c_void_p()
        status = fn(session, C.byref(t), 1, C.byref(out))
        if status != 0:
            return status, rt.attnc_last_error().decode()
        rt.attnc_tensor_list_at.restype = C.POINTER(Tensor)
        o = rt.attnc_tensor_list_at(out, 0).contents
        dims = [o.shape[i] for i in range(o.rank)]
        return 0, np.ctypeslib.as_array(C.cast(o.data, C.POINTER(C.c_float)), shape=dims).copy()

    status, full = call(rt.attnc_session_run, ids)
    check(status, "run")
    check(rt.attnc_session_enable_kv_cache(session, C.c_int64(10)), "enable")
    parts = [call(rt.attnc_session_step, ids[:, :4])[1]]
    for t in range(4, 10):
        parts.append(call(rt.attnc_session_step, ids[:, t:t + 1])[1])
    rt.attnc_session_kv_position.restype = C.c_int64
    position = rt.attnc_session_kv_position(session)
    # A step returns its last token's logits (docs/abi.md, "last_position").
    steps = np.concatenate(parts, axis=1)
    full = full[:, 3:]
    assert steps.shape == full.shape, (steps.shape, full.shape)
    rel = np.abs(steps - full).max() / np.abs(full).max()
    print(f"session steps vs run: position={position} max_rel={rel:.3g} "
          f"{'PASS' if rel <= 1e-4 and position == 10 else 'FAIL'}")
    print("full:", call(rt.attnc_session_step, ids[:, :1])[1])
    rt.attnc_session_reset_kv_cache(session)
    call(rt.attnc_session_step, ids[:, :2])
    print("batch:", call(rt.attnc_session_step, ids[:1, 2:3])[1])
    rt.attnc_session_destroy(session)
    rt.attnc_model_destroy(model)


if __name__ == "__main__":
    main()
