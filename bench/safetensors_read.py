"""Reads a safetensors file into a dict of torch tensors (F32 and I64 only):
the sanity check reads attnc-bench --dump's files with it, since Debian has
no python3-safetensors."""
import json
import struct

import numpy as np
import torch

DTYPES = {"F32": np.float32, "I64": np.int64}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    body = memoryview(data)[8 + size:]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=DTYPES[info["dtype"]])
        out[name] = torch.from_numpy(array.copy()).reshape(info["shape"])
    return out
