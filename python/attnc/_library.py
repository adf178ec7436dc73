"""Finds and loads libattnc_runtime.so, and declares the C API's signatures.

The library is looked up, in order: $ATTNC_RUNTIME_LIBRARY; beside the
package in an installed prefix (PREFIX/lib/python3/dist-packages/attnc ->
PREFIX/lib); in a build tree (BUILD/python/attnc -> BUILD/lib); then by the
dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache).
"""
import ctypes as C
import os
import threading

LIBRARY_NAME = "libattnc_runtime.so"
_HERE = os.path.dirname(os.path.abspath(__file__))
# Where the library lies relative to this package: installed, build tree.
_RELATIVE_DIRS = (os.path.join("..", "..", ".."), os.path.join("..", "..", "lib"))


class Tensor(C.Structure):
    _fields_ = [("name", C.c_char_p), ("dtype", C.c_int), ("rank", C.c_int32),
                ("shape", C.POINTER(C.c_int64)), ("data", C.c_void_p)]


class TensorInfo(C.Structure):
    _fields_ = [("name", C.c_char_p), ("tensor", C.c_char_p), ("dtype", C.c_int),
                ("rank", C.c_int32), ("shape", C.POINTER(C.c_int64)),
                ("dim_names", C.POINTER(C.c_char_p)), ("layers", C.c_int64),
                ("has_default", C.c_int32), ("default_value", C.c_double)]


class Constant(C.Structure):
    _fields_ = [("name", C.c_char_p), ("is_integer", C.c_int32),
                ("int_value", C.c_int64), ("float_value", C.c_double)]


class SamplerConfig(C.Structure):
    _fields_ = [("temperature", C.c_float), ("top_k", C.c_int32), ("top_p", C.c_float),
                ("repetition_penalty", C.c_float), ("seed", C.c_uint64)]


_p = C.c_void_p
_pp = C.POINTER(C.c_void_p)
_size = C.c_size_t
_i64p = C.POINTER(C.c_int64)
_status = C.c_int
# name: (restype, argtypes), as in runtime.h and generation.h.
_SIGNATURES = {
    "attnc_last_error": (C.c_char_p, []),
    "attnc_status_name": (C.c_char_p, [C.c_int]),
    "attnc_dtype_name": (C.c_char_p, [C.c_int]),
    "attnc_model_open": (_status, [C.c_char_p, _pp]),
    "attnc_model_destroy": (None, [_p]),
    "attnc_model_name": (C.c_char_p, [_p]),
    "attnc_model_manifest_json": (C.c_char_p, [_p]),
    "attnc_model_num_dims": (_size, [_p]),
    "attnc_model_dim_name": (C.c_char_p, [_p, _size]),
    "attnc_model_num_tensors": (_size, [_p, C.c_int]),
    "attnc_model_tensor_info": (_status, [_p, C.c_int, _size, C.POINTER(TensorInfo)]),
    "attnc_model_fingerprint": (C.c_char_p, [_p]),
    "attnc_model_num_constants": (_size, [_p]),
    "attnc_model_constant": (_status, [_p, _size, C.POINTER(Constant)]),
    "attnc_model_load_weights": (_status, [_p, C.c_char_p]),
    "attnc_model_num_warnings": (_size, [_p]),
    "attnc_model_warning": (C.c_char_p, [_p, _size]),
    "attnc_model_set_num_threads": (_status, [_p, C.c_int32]),
    "attnc_model_set_profiling": (_status, [_p, C.c_int]),
    "attnc_model_profile_report": (C.c_char_p, [_p, C.c_int]),
    "attnc_model_profile_reset": (None, [_p]),
    "attnc_model_run": (_status, [_p, C.POINTER(Tensor), _size, _pp]),
    "attnc_session_create": (_status, [_p, _pp]),
    "attnc_session_destroy": (None, [_p]),
    "attnc_session_run": (_status, [_p, C.POINTER(Tensor), _size, _pp]),
    "attnc_model_has_kv_cache": (C.c_int, [_p]),
    "attnc_session_enable_kv_cache": (_status, [_p, C.c_int64]),
    "attnc_session_step": (_status, [_p, C.POINTER(Tensor), _size, _pp]),
    "attnc_session_reset_kv_cache": (None, [_p]),
    "attnc_session_kv_position": (C.c_int64, [_p]),
    "attnc_tensor_list_size": (_size, [_p]),
    "attnc_tensor_list_at": (C.POINTER(Tensor), [_p, _size]),
    "attnc_tensor_list_destroy": (None, [_p]),
    "attnc_tokenizer_open_bytes": (_status, [_pp]),
    "attnc_tokenizer_open": (_status, [C.c_char_p, _pp]),
    "attnc_tokenizer_destroy": (None, [_p]),
    "attnc_tokenizer_vocab_size": (C.c_int64, [_p]),
    "attnc_tokenizer_encode": (_status, [_p, C.c_char_p, _size, _i64p, _size,
                                         C.POINTER(_size)]),
    "attnc_tokenizer_decode": (_status, [_p, _i64p, _size, C.c_char_p, _size,
                                         C.POINTER(_size)]),
    "attnc_tokenizer_token_id": (C.c_int64, [_p, C.c_char_p]),
    "attnc_sampler_config_init": (None, [C.POINTER(SamplerConfig)]),
    "attnc_sampler_create": (_status, [C.POINTER(SamplerConfig), _pp]),
    "attnc_sampler_destroy": (None, [_p]),
    "attnc_sampler_sample": (_status, [_p, C.POINTER(C.c_float), _size, _i64p, _size,
                                       _i64p]),
}

_lock = threading.Lock()
_library = None


def candidates():
    """The paths tried, in order (the last one is a bare name for dlopen)."""
    found = []
    if os.environ.get("ATTNC_RUNTIME_LIBRARY"):
        found.append(os.environ["ATTNC_RUNTIME_LIBRARY"])
    for rel in _RELATIVE_DIRS:
        path = os.path.normpath(os.path.join(_HERE, rel, LIBRARY_NAME))
        if os.path.exists(path):
            found.append(path)
    found.append(LIBRARY_NAME)
    return found


def library():
    """The loaded runtime, with every function's signature declared; loaded
    on first use, so that `import attnc` needs no library."""
    global _library
    with _lock:
        if _library is None:
            _library = _load()
        return _library


def _load():
    from .errors import Error

    tried = []
    for path in candidates():
        try:
            lib = C.CDLL(path)
        except OSError as e:
            tried.append(f"  {path}: {e}")
            continue
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        return lib
    raise Error("cannot load the attnc runtime; tried:\n" + "\n".join(tried) +
                "\nset ATTNC_RUNTIME_LIBRARY to the path of " + LIBRARY_NAME)
