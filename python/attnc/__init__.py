"""attnc from Python: compile attention models, run them, generate text.

    import attnc
    attnc.compile("examples/tiny-gpt.attn", output="tiny-gpt.so")
    m = attnc.Model("tiny-gpt.so")
    m.load_weights("examples/tiny-gpt/tiny-gpt.safetensors")
    print("".join(m.generate("The keeper", max_new_tokens=40)))

A layer over the runtime's C API (runtime.h, generation.h) with ctypes;
docs/python.md is the guide.
"""
from .compiler import compile, compiler_path
from .errors import (AbiError, CompileError, Error, FormatError, InternalError,
                     InvalidArgumentError, IoError, MismatchError, ModelError,
                     OutOfMemoryError, StateError)
from .generation import Sampler, Tokenizer, generate
from .model import Model, Session
from .tensors import TensorSpec

__all__ = ["compile", "compiler_path", "Model", "Session", "Tokenizer", "Sampler",
           "generate", "TensorSpec", "Error", "IoError", "FormatError", "MismatchError",
           "InvalidArgumentError", "AbiError", "StateError", "OutOfMemoryError",
           "ModelError", "InternalError", "CompileError"]
