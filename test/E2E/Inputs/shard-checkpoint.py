#!/usr/bin/env python3
"""Rewrites a safetensors checkpoint as a published one would look: every
tensor renamed PREFIX + name, stored as DTYPE (F32, F16 or BF16), split over
N shard files plus a Hugging Face index (weight_map). Standard library only.

usage: shard-checkpoint.py IN.safetensors OUT_DIR PREFIX DTYPE N
"""
import json
import os
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", name
        begin, end = entry["data_offsets"]
        count = (end - begin) // 4
        tensors[name] = (entry["shape"], struct.unpack(f"<{count}f", body[begin:end]))
    return tensors


def encode(values, dtype):
    if dtype == "F32":
        return struct.pack(f"<{len(values)}f", *values)
    if dtype == "F16":
        return struct.pack(f"<{len(values)}e", *values)
    # BF16: round to nearest even from the f32 bits.
    out = bytearray()
    for v in values:
        (bits,) = struct.unpack("<I", struct.pack("<f", v))
        bits += 0x7FFF + ((bits >> 16) & 1)
        out += struct.pack("<H", (bits >> 16) & 0xFFFF)
    return bytes(out)


def write(path, tensors, dtype):
    header, body = {}, b""
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = encode(values, dtype)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(body), len(body) + len(blob)]}
        body += blob
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + body)


def main():
    source, out_dir, prefix, dtype, shards = sys.argv[1:]
    tensors = read(source)
    names = sorted(tensors)
    shards = int(shards)
    os.makedirs(out_dir, exist_ok=True)
    weight_map = {}
    for i in range(shards):
        file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        part = {prefix + n: tensors[n] for n in names[i::shards]}
        write(os.path.join(out_dir, file), part, dtype)
        weight_map.update({n: file for n in part})
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)


if __name__ == "__main__":
    main()
