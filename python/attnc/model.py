"""attnc.Model (a compiled .so with its weights) and attnc.Session."""
import ctypes as C
import json
import os
import weakref

import numpy as np

from ._library import Constant, TensorInfo, library
from .errors import InvalidArgumentError, IoError, StateError, check
from .tensors import InputBlock, spec_from_info, to_numpy

_INPUT, _PARAM, _OUTPUT = 0, 1, 2
# Decoder.cpp's declaredContextLength: the constants that give the context.
_CONTEXT_CONSTANTS = ("n_positions", "n_ctx", "max_position_embeddings", "max_seq_len")
_POSITION_TABLES = ("wpe.weight", "position_embeddings.weight")


def _call(lib, fn, handle, specs, inputs, owned):
    """Binds the named numpy inputs (checked against `specs`), calls
    fn(handle, inputs, count, &outputs) and returns the outputs as a dict of
    numpy arrays by name; `owned`: the caller destroys the output list."""
    block = InputBlock(inputs, specs)
    out = C.c_void_p()
    check(fn(handle, block.array, block.count, C.byref(out)))
    try:
        return dict(to_numpy(lib.attnc_tensor_list_at(out, i))
                    for i in range(lib.attnc_tensor_list_size(out)))
    finally:
        if owned:
            lib.attnc_tensor_list_destroy(out)


class Model:
    """A model compiled by `attnc compile`:

        m = attnc.Model("gpt2.so")
        m.load_weights("gpt2/")           # a directory, a .safetensors, an index
        out = m.run(input_ids=np.array([[1, 2, 3]]))   # {"logits": ndarray}

    Thread-safe as runtime.h says: run() may be called from several threads
    once the weights are loaded.
    """

    def __init__(self, path):
        self._handle = None
        self._lib = library()
        self._sessions = weakref.WeakSet()
        handle = C.c_void_p()
        check(self._lib.attnc_model_open(os.fsencode(path), C.byref(handle)))
        self._handle = handle
        self.path = path
        self.inputs = self._specs(_INPUT)
        self.params = self._specs(_PARAM)
        self.outputs = self._specs(_OUTPUT)

    # Lifetime -----------------------------------------------------------

    def close(self):
        """Releases the model and its sessions; later calls raise StateError."""
        if self._handle is not None:
            for session in list(self._sessions):
                session.close()
            self._lib.attnc_model_destroy(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    @property
    def handle(self):
        if self._handle is None:
            raise StateError(f"the model {self.path} is closed")
        return self._handle

    # Description ----------------------------------------------------------

    def _specs(self, kind):
        specs = []
        for i in range(self._lib.attnc_model_num_tensors(self.handle, kind)):
            info = TensorInfo()
            check(self._lib.attnc_model_tensor_info(self.handle, kind, i, C.byref(info)))
            specs.append(spec_from_info(info))
        return specs

    @property
    def name(self):
        return self._lib.attnc_model_name(self.handle).decode()

    @property
    def manifest(self):
        """The manifest (docs/abi.md) as a dict."""
        return json.loads(self._lib.attnc_model_manifest_json(self.handle))

    @property
    def constants(self):
        """The model's compile-time constants by name (ints or floats)."""
        out = {}
        for i in range(self._lib.attnc_model_num_constants(self.handle)):
            c = Constant()
            check(self._lib.attnc_model_constant(self.handle, i, C.byref(c)))
            out[c.name.decode()] = c.int_value if c.is_integer else c.float_value
        return out

    @property
    def has_kv_cache(self):
        return bool(self._lib.attnc_model_has_kv_cache(self.handle))

    @property
    def context_length(self):
        """The most tokens a sequence may hold, when the model declares it
        (as `attnc generate` finds it), else None."""
        for name, value in self.constants.items():
            if name in _CONTEXT_CONSTANTS and isinstance(value, int) and value > 0:
                return value
        for p in self.params:
            tensor = p.tensor or p.name
            if len(p.shape) == 2 and any(tensor == t or tensor.endswith("." + t)
                                         for t in _POSITION_TABLES):
                return p.shape[0]
        return None

    @property
    def warnings(self):
        """The warnings of the last load_weights (unused tensors, ...)."""
        return [self._lib.attnc_model_warning(self.handle, i).decode()
                for i in range(self._lib.attnc_model_num_warnings(self.handle))]

    def __repr__(self):
        state = "closed" if self._handle is None else self.name
        return f"attnc.Model({self.path!r}: {state})"

    # Use ------------------------------------------------------------------

    def load_weights(self, path):
        """Binds a checkpoint: a .safetensors file, a sharded index, or a
        directory holding model.safetensors or model.safetensors.index.json."""
        check(self._lib.attnc_model_load_weights(self.handle,
                                                 os.fsencode(path)))
        return self

    def set_threads(self, count):
        """Threads for later runs and steps; 0: $ATTNC_NUM_THREADS or one
        per core."""
        if not isinstance(count, int) or count < 0:
            raise InvalidArgumentError(f"the thread count must be an int >= 0, not {count!r}")
        check(self._lib.attnc_model_set_num_threads(self.handle, count))

    def set_profiling(self, enable=True):
        """Profiles later runs and steps: time per kernel, layer, op kind
        and thread (docs/performance.md)."""
        check(self._lib.attnc_model_set_profiling(self.handle, 1 if enable else 0))

    def profile(self, reset=False):
        """The profile since profiling was turned on (or last reset), as a
        dict (the JSON of --profile=json); None when profiling is off."""
        text = self._lib.attnc_model_profile_report(self.handle, 1)
        if reset:
            self._lib.attnc_model_profile_reset(self.handle)
        return None if text is None else json.loads(text.decode())

    def run(self, **inputs):
        """Runs the model once on the named inputs (numpy arrays; lists take
        the declared dtype); returns {output name: numpy array}."""
        return _call(self._lib, self._lib.attnc_model_run, self.handle,
                     self.inputs, inputs, owned=True)

    def session(self, capacity=None, batch=None):
        """A session: memory of its own reused from run to run, and for
        models with a KV cache entry a cache of `capacity` tokens per batch
        row (default: the model's context length, if it declares one)."""
        session = Session(self, capacity, batch)
        self._sessions.add(session)
        return session

    def generate(self, prompt, **options):
        """Text pieces as they are generated; see attnc.generation.generate."""
        from .generation import generate

        return generate(self, prompt, **options)


class Session:
    """A model's session (runtime.h): run() over whole inputs, or step() for
    incremental decoding with the KV cache:

        s = m.session(batch=1)
        logits = s.step([5, 6, 7])        # after the prompt: [1, 1, vocab]
        logits = s.step([8])              # one more token: [1, 1, vocab]
    """

    def __init__(self, model, capacity=None, batch=None):
        self._lib = model._lib
        self._model = model
        self._handle = None
        self.batch = batch
        if batch is not None and (not isinstance(batch, int) or batch < 1):
            raise InvalidArgumentError(f"batch must be an int >= 1, not {batch!r}")
        handle = C.c_void_p()
        check(self._lib.attnc_session_create(model.handle, C.byref(handle)))
        self._handle = handle
        self.capacity = None
        if capacity is not None and not model.has_kv_cache:
            self.close()
            raise StateError(f"model '{model.name}' has no KV cache entry: "
                             "it cannot take a capacity or step")
        if capacity is None and model.has_kv_cache:
            capacity = model.context_length
        if capacity is not None:
            check(self._lib.attnc_session_enable_kv_cache(self.handle, capacity))
            self.capacity = capacity

    def close(self):
        if self._handle is not None:
            self._lib.attnc_session_destroy(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    @property
    def handle(self):
        if self._handle is None:
            raise StateError("the session is closed (or its model is)")
        return self._handle

    @property
    def position(self):
        """The number of tokens in the KV cache."""
        return int(self._lib.attnc_session_kv_position(self.handle))

    def reset(self):
        """Forgets the cached tokens."""
        self._lib.attnc_session_reset_kv_cache(self.handle)

    def run(self, **inputs):
        """As Model.run, with this session's memory."""
        return self._call(self._lib.attnc_session_run, inputs)

    def step(self, input_ids, **inputs):
        """Feeds new tokens after the cached ones and returns the logits of
        the last one, [batch, 1, vocab] (the step entry computes no others:
        docs/abi.md, "last_position"). `input_ids` is [batch, tokens], or a
        flat list or 1-D array of tokens for a batch of one."""
        if self.capacity is None:
            raise StateError(
                f"model '{self._model.name}' has no KV cache entry: use run()"
                if not self._model.has_kv_cache else "this session has no KV cache: "
                "the model declares no context length, so give one: "
                "session(capacity=N)")
        ids = np.asarray(input_ids, dtype=np.int64)
        if ids.ndim == 1:
            ids = ids[np.newaxis, :]
        if self.batch is not None and ids.ndim == 2 and ids.shape[0] != self.batch:
            raise InvalidArgumentError(f"step: this session has a batch of {self.batch}, "
                                       f"the ids have {ids.shape[0]} rows")
        outputs = self._call(self._lib.attnc_session_step, dict(inputs, input_ids=ids))
        if "logits" not in outputs:
            raise StateError(f"model '{self._model.name}' has no output 'logits'")
        return outputs["logits"]

    def _call(self, fn, inputs):
        return _call(self._lib, fn, self.handle, self._model.inputs, inputs,
                     owned=False)
