"""A minimal safetensors reader and writer on numpy arrays.

Debian ships no `safetensors` package. The format: an 8-byte little-endian
header length, a JSON header mapping each tensor name to its dtype, shape and
[begin, end) byte offsets into the data that follows, then the raw
little-endian, row-major data.
"""

import json
import struct

import numpy as np

_TO_NUMPY = {
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "F16": np.dtype("<f2"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "I8": np.dtype("i1"),
}
_FROM_NUMPY = {dtype: name for name, dtype in _TO_NUMPY.items()}


def save(path, tensors, metadata=None):
    """Writes a dict of name -> numpy array (f32, f64, i32, i64 or i8), and a
    dict of strings as `__metadata__`."""
    header = {"__metadata__": dict(metadata)} if metadata else {}
    arrays = []
    offset = 0
    for name, array in tensors.items():
        array = np.asarray(array)
        dtype = array.dtype.newbyteorder("<")
        if dtype not in _FROM_NUMPY:
            raise TypeError(f"{name}: unsupported dtype {array.dtype}")
        array = np.ascontiguousarray(array, dtype=dtype)
        header[name] = {"dtype": _FROM_NUMPY[dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        arrays.append(array)
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    # Pad so that the data starts 8-byte aligned, as the reference writer does.
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for array in arrays:
            f.write(array.reshape(-1).view(np.uint8).data)


def _header(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))


def load_metadata(path):
    """The `__metadata__` strings of a safetensors file ({} if none)."""
    return _header(path).get("__metadata__", {})


def load(path):
    """Reads a safetensors file into a dict of name -> numpy array."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (length,) = struct.unpack("<Q", blob[:8])
    if 8 + length > len(blob):
        raise ValueError(f"{path}: header length {length} past the end of the file")
    header = json.loads(blob[8:8 + length])
    data = memoryview(blob)[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _TO_NUMPY.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: {name}: unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * dtype.itemsize or end > len(data):
            raise ValueError(f"{path}: {name}: data offsets do not match its shape")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors
