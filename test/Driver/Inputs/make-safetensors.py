#!/usr/bin/env python3
"""Writes safetensors files, well or badly formed, for the driver's tests.

  make-safetensors.py tensors OUT NAME:DTYPE:D0,D1,... ...   zero-filled tensors
  make-safetensors.py ids OUT NAME:I64|I32:D0,D1,... V,V,...    integers, row-major
  make-safetensors.py raw OUT HEADER_JSON DATA_BYTES          any header, zero data
  make-safetensors.py misalign IN OUT                         IN's tensors, with the
                                                              data section at an odd offset
  make-safetensors.py truncate IN OUT BYTES                   IN without its last BYTES
  make-safetensors.py deep-dump OUT                           an attention dump whose
                                                              metadata nests 100000 deep

Only the standard library: the bytes are laid out by hand (8-byte
little-endian header length, JSON header, data), independently of attnc.
"""
import json
import struct
import sys

SIZES = {"F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4,
         "F16": 2, "BF16": 2, "I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1,
         "F8_E4M3": 1, "F8_E5M2": 1}


def write(path, header_text, data):
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_text)) + header_text + data)


def layout(tensors, pad):
    """tensors: [(name, dtype, shape, bytes)] -> header text, data."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * ((pad - (8 + len(text))) % 8)
    return text, data


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    header.pop("__metadata__", None)
    return [(name, e["dtype"], e["shape"], data[e["data_offsets"][0]:e["data_offsets"][1]])
            for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])]


def main(argv):
    mode = argv[1]
    if mode == "tensors":
        tensors = []
        for spec in argv[3:]:
            name, dtype, dims = spec.split(":")
            shape = [int(d) for d in dims.split(",") if d]
            count = 1
            for d in shape:
                count *= d
            tensors.append((name, dtype, shape, bytes(count * SIZES[dtype])))
        write(argv[2], *layout(tensors, pad=0))
    elif mode == "ids":
        name, dtype, dims = argv[3].split(":")
        shape = [int(d) for d in dims.split(",") if d]
        values = [int(v) for v in argv[4].split(",")]
        fmt = {"I64": "<q", "I32": "<i"}[dtype]
        data = b"".join(struct.pack(fmt, v) for v in values)
        write(argv[2], *layout([(name, dtype, shape, data)], pad=0))
    elif mode == "raw":
        write(argv[2], argv[3].encode(), bytes(int(argv[4])))
    elif mode == "misalign":
        text, data = layout(read(argv[2]), pad=1)
        assert (8 + len(text)) % 4 == 1
        write(argv[3], text, data)
    elif mode == "deep-dump":
        deep = "[" * 100000 + "]" * 100000
        header = {"__metadata__": {"attention.0.layers": deep,
                                   "tokens.input_ids": deep},
                  "attention.0": {"dtype": "F32", "shape": [1, 1, 1, 2, 2],
                                  "data_offsets": [0, 16]}}
        text = json.dumps(header).encode()
        write(argv[2], text + b" " * ((8 - (8 + len(text)) % 8) % 8), bytes(16))
    elif mode == "truncate":
        with open(argv[2], "rb") as f:
            raw = f.read()
        with open(argv[3], "wb") as f:
            f.write(raw[:len(raw) - int(argv[4])])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
