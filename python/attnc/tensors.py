"""numpy arrays <-> the C API's attnc_tensor, and tensor descriptions."""
import ctypes as C
from typing import NamedTuple, Optional, Tuple

import numpy as np

from ._library import Tensor
from .errors import InvalidArgumentError, MismatchError

# attnc_dtype values (runtime.h) and their numpy types; bf16 and the f8
# types have none.
_NUMPY_BY_DTYPE = {0: np.float32, 1: np.float16, 3: np.float64, 4: np.int8,
                   5: np.int16, 6: np.int32, 7: np.int64, 8: np.uint8, 9: np.uint16,
                   10: np.uint32, 11: np.uint64, 12: np.bool_}
_DTYPE_BY_NUMPY = {np.dtype(t): d for d, t in _NUMPY_BY_DTYPE.items()}
_NAMES = {0: "f32", 1: "f16", 2: "bf16", 3: "f64", 4: "i8", 5: "i16", 6: "i32",
          7: "i64", 8: "u8", 9: "u16", 10: "u32", 11: "u64", 12: "bool",
          13: "f8_e4m3", 14: "f8_e5m2"}


class TensorSpec(NamedTuple):
    """How the model declares an input, parameter or output. `shape` has
    None for a dynamic dimension, whose name is in `dims`."""
    name: str
    dtype: str
    shape: Tuple[Optional[int], ...]
    dims: Tuple[Optional[str], ...]
    tensor: Optional[str] = None  # parameters: the checkpoint's name
    default: Optional[float] = None  # inputs that may be omitted

    def __str__(self):
        sizes = ", ".join(d if s is None else str(s) for s, d in zip(self.shape, self.dims))
        return f"{self.name}: {self.dtype}[{sizes}]"


def spec_from_info(info):
    shape, dims = [], []
    for i in range(info.rank):
        name = info.dim_names[i]
        shape.append(None if info.shape[i] < 0 else int(info.shape[i]))
        dims.append(name.decode() if name else None)
    return TensorSpec(info.name.decode(), _NAMES.get(info.dtype, "unknown"), tuple(shape),
                      tuple(dims), info.tensor.decode() if info.tensor else None,
                      info.default_value if info.has_default else None)


def numpy_dtype(spec):
    for code, name in _NAMES.items():
        if name == spec.dtype:
            return _NUMPY_BY_DTYPE.get(code)
    return None


class InputBlock:
    """attnc_tensor structs over numpy arrays, kept alive while in use."""

    def __init__(self, inputs, specs):
        known = {s.name: s for s in specs}
        self._keep = []
        self.array = (Tensor * max(1, len(inputs)))()
        self.count = len(inputs)
        for i, (name, value) in enumerate(inputs.items()):
            if not isinstance(value, np.ndarray):
                # A list or scalar takes the declared dtype; an array keeps its
                # own, which the runtime checks.
                spec = known.get(name)
                value = np.asarray(value, dtype=numpy_dtype(spec) if spec else None)
            array = value
            if not array.dtype.isnative:
                array = array.astype(array.dtype.newbyteorder("="))
            if not array.flags.c_contiguous:  # (ascontiguousarray makes 0-d 1-d)
                array = array.copy(order="C")
            if array.dtype not in _DTYPE_BY_NUMPY:
                raise MismatchError(f"input '{name}': numpy dtype {array.dtype} has no "
                                    "attnc dtype (use float32, int64, int32, ...)")
            shape = (C.c_int64 * max(1, array.ndim))(*array.shape)
            encoded = name.encode()
            self._keep += [array, shape, encoded]
            self.array[i] = Tensor(encoded, _DTYPE_BY_NUMPY[array.dtype], array.ndim,
                                   shape, array.ctypes.data)


def to_numpy(tensor):
    """A copy of an output attnc_tensor."""
    t = tensor.contents
    name = t.name.decode()
    numpy_type = _NUMPY_BY_DTYPE.get(t.dtype)
    if numpy_type is None:
        raise InvalidArgumentError(f"output '{name}' has dtype "
                                   f"{_NAMES.get(t.dtype, t.dtype)}, which numpy lacks")
    shape = tuple(int(t.shape[i]) for i in range(t.rank))
    count = int(np.prod(shape, dtype=np.int64))
    if count == 0:
        return name, np.zeros(shape, dtype=numpy_type)
    size = count * np.dtype(numpy_type).itemsize
    raw = (C.c_char * size).from_address(t.data)
    return name, np.frombuffer(raw, dtype=numpy_type).reshape(shape).copy()
