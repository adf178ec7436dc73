#!/usr/bin/env python3
"""Writes the crafted seeds of attnc-fuzz-safetensors to corpus/safetensors/.

Small files, most of them valid for the fuzzer's built-in manifest (so that
mutations reach the weight and input binding), plus one of each kind of damage
the reader must reject. Uses only the standard library: the bytes are laid out
by hand, as the format describes (8-byte little-endian header length, JSON
header, data section).
Run it again after changing it and commit the output.
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "safetensors")


def pack(fmt, values):
    return struct.pack("<%d%s" % (len(values), fmt), *values)


def layout(tensors, metadata=None, pad_to=8, extra_header=b""):
    """tensors: name -> (dtype, shape, bytes), laid out in the given order."""
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode() + extra_header
    if pad_to:
        text += b" " * (-(8 + len(text)) % pad_to)
    return struct.pack("<Q", len(text)) + text + data


def raw_file(header_text, data=b"", length=None):
    header_text = header_text.encode() if isinstance(header_text, str) else header_text
    n = len(header_text) if length is None else length
    return struct.pack("<Q", n) + header_text + data


WEIGHTS = {
    "layer.weight": ("F32", [4, 4], pack("f", [i / 8 for i in range(16)])),
    "layer.bias": ("F32", [4], pack("f", [0.5, -0.5, 1.5, -1.5])),
    "n": ("I32", [3], pack("i", [1, -2, 3])),
    "h.0.w": ("F32", [3], pack("f", [1, 2, 3])),
    "h.1.w": ("F32", [3], pack("f", [4, 5, 6])),
}
# The same weights in half precision where the runtime converts them.
HALF_WEIGHTS = {
    **WEIGHTS,
    "layer.weight": ("F16", [4, 4], pack("e", [i / 8 for i in range(16)])),
    "layer.bias": ("BF16", [4], b"\x00\x3f\x00\xbf\xc0\x3f\xc0\xbf"),
    "h.1.w": ("F16", [3], b"\x00\x7c\x01\x7e\x01\x00"),  # inf, NaN, subnormal
}
INPUTS = {
    "x": ("F32", [2, 3, 4], pack("f", [float(i) for i in range(24)])),
    "ids": ("I64", [2, 3], pack("q", [0, 1, 2, 3, 4, 5])),
}
MASK = {"mask": ("F32", [2, 3], pack("f", [1, 1, 0, 1, 0, 0]))}
SMALL_MANIFEST = json.dumps({
    "abi_version": 1, "name": "own", "dims": ["seq"],
    "inputs": [{"name": "t", "dtype": "i32", "shape": ["seq", 2]}],
    "params": [{"name": "p", "tensor": "p.w", "dtype": "f32", "shape": [2]}],
    "outputs": [{"name": "y", "dtype": "f32", "shape": ["seq", 2]}]})


def entry(fields):
    return '{"layer.weight": {' + fields + "}}"


SEEDS = {
    # Valid for the built-in manifest.
    "weights": layout(WEIGHTS),
    "weights-half": layout(HALF_WEIGHTS),
    "weights-prefixed": layout({"model." + k: v for k, v in WEIGHTS.items()}),
    "weights-misaligned": layout(WEIGHTS, pad_to=0, extra_header=b"   "),
    "weights-extra-tensor": layout({**WEIGHTS, "unused": ("U8", [2], b"\x01\x02")}),
    "weights-with-metadata": layout(WEIGHTS, metadata={"format": "pt"}),
    "inputs": layout(INPUTS),
    "inputs-with-mask": layout({**INPUTS, **MASK}),
    "inputs-half-and-i32": layout({"x": ("F16", [1, 2, 4], pack("e", [0.5] * 8)),
                                   "ids": ("I32", [1, 2], pack("i", [7, -1]))}),
    "inputs-and-weights": layout({**INPUTS, **WEIGHTS}),
    "own-manifest": layout({"p.w": ("F32", [2], pack("f", [1, 2])),
                            "t": ("I32", [5, 2], pack("i", list(range(10))))},
                           metadata={"attnc.manifest": SMALL_MANIFEST}),
    "every-dtype": layout({
        "f64": ("F64", [1], pack("d", [1.0])), "i64": ("I64", [1], pack("q", [7])),
        "u64": ("U64", [1], pack("Q", [7])), "f32": ("F32", [1], pack("f", [1.0])),
        "i32": ("I32", [1], pack("i", [7])), "u32": ("U32", [1], pack("I", [7])),
        "f16": ("F16", [1], b"\x00\x3c"), "bf16": ("BF16", [1], b"\x80\x3f"),
        "i16": ("I16", [1], pack("h", [7])), "u16": ("U16", [1], pack("H", [7])),
        "i8": ("I8", [1], b"\x07"), "u8": ("U8", [1], b"\x07"),
        "bool": ("BOOL", [1], b"\x01"), "f8e4m3": ("F8_E4M3", [1], b"\x38"),
        "f8e5m2": ("F8_E5M2", [1], b"\x3c")}),
    "empty-tensor": layout({"e": ("F32", [0, 4], b""), **WEIGHTS}),
    "scalar": layout({"s": ("F32", [], pack("f", [3.0]))}),
    "empty-header": raw_file("{}"),
    # Each one kind of damage.
    "truncated": layout(WEIGHTS)[:-10],
    "too-small": b"\x10\x00\x00",
    "header-past-end": raw_file("{}", length=1000),
    "header-too-long": raw_file("{}", length=200 << 20),
    "invalid-json": raw_file('{"layer.weight": '),
    "not-an-object": raw_file("[1, 2]"),
    "wrong-dtype": layout({**WEIGHTS, "layer.bias": ("F64", [4], pack("d", [0] * 4))}),
    "wrong-shape": layout({**WEIGHTS, "layer.weight": ("F32", [2, 8], pack("f", [0] * 16))}),
    "missing-tensor": layout({k: v for k, v in WEIGHTS.items() if k != "n"}),
    "other-model": layout({"encoder.embed.weight": ("F32", [8, 2], pack("f", [0] * 16))}),
    "unknown-dtype": raw_file(entry('"dtype": "F12", "shape": [1], "data_offsets": [0, 4]'), b"\0" * 4),
    "negative-shape": raw_file(entry('"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]'), b"\0" * 4),
    "shape-overflow": raw_file(entry('"dtype": "F32", "shape": [4294967296, 4294967296], '
                                     '"data_offsets": [0, 8]'), b"\0" * 8),
    "offsets-past-end": raw_file(entry('"dtype": "F32", "shape": [4], "data_offsets": [0, 16]'), b"\0" * 8),
    "offsets-huge": raw_file(entry('"dtype": "F32", "shape": [1], '
                                   '"data_offsets": [18446744073709551612, 18446744073709551615]'), b"\0" * 8),
    "offsets-descending": raw_file(entry('"dtype": "F32", "shape": [1], "data_offsets": [4, 0]'), b"\0" * 8),
    "wrong-byte-size": raw_file(entry('"dtype": "F32", "shape": [3], "data_offsets": [0, 8]'), b"\0" * 16),
    "overlap": raw_file('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
                        '"b": {"dtype": "I32", "shape": [2], "data_offsets": [4, 12]}}', b"\0" * 16),
    "metadata-not-string": raw_file('{"__metadata__": {"step": 3}}'),
    "too-deep": raw_file('{"a": {"shape": [[[[1]]]]}}'),
    "bad-manifest": layout({"p.w": ("F32", [2], pack("f", [1, 2]))},
                           metadata={"attnc.manifest": '{"abi_version": 1, "name": "x", "dims": ["d"]}'}),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
