"""Text generation over the C API: tokenizers, the sampler (generation.h),
and the token-by-token loop over a session's KV cache."""
import codecs
import ctypes as C
import os

import numpy as np

from ._library import SamplerConfig, library
from .errors import InvalidArgumentError, MismatchError, check


class Tokenizer:
    """A Hugging Face tokenizer.json (byte-level BPE), or with no path the
    byte-level tokenizer (token i is byte i)."""

    def __init__(self, path=None):
        self._lib = library()
        self._handle = None
        handle = C.c_void_p()
        if path is None:
            check(self._lib.attnc_tokenizer_open_bytes(C.byref(handle)))
        else:
            check(self._lib.attnc_tokenizer_open(os.fsencode(path), C.byref(handle)))
        self._handle = handle

    def __del__(self):
        if self._handle is not None:
            self._lib.attnc_tokenizer_destroy(self._handle)
            self._handle = None

    @property
    def vocab_size(self):
        return int(self._lib.attnc_tokenizer_vocab_size(self._handle))

    def token_id(self, token):
        """The id of a vocabulary or added token ("<|endoftext|>"), or None."""
        found = self._lib.attnc_tokenizer_token_id(self._handle, token.encode())
        return None if found < 0 else int(found)

    def encode(self, text):
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        # Never more ids than bytes (generation.h).
        ids = (C.c_int64 * max(1, len(data)))()
        count = C.c_size_t()
        check(self._lib.attnc_tokenizer_encode(self._handle, data, len(data), ids,
                                               len(data), C.byref(count)))
        return list(ids[:count.value])

    def decode_bytes(self, ids):
        ids = (C.c_int64 * max(1, len(ids)))(*ids)
        count = C.c_size_t()
        check(self._lib.attnc_tokenizer_decode(self._handle, ids, len(ids), None, 0,
                                               C.byref(count)))
        buffer = C.create_string_buffer(max(1, count.value))
        check(self._lib.attnc_tokenizer_decode(self._handle, ids, len(ids), buffer,
                                               count.value, C.byref(count)))
        return buffer.raw[:count.value]

    def decode(self, ids):
        return self.decode_bytes(ids).decode("utf-8", "replace")


class Sampler:
    """generation.h's sampler: greedy at temperature 0, else a seeded draw
    after the repetition penalty, temperature, top-k and top-p."""

    def __init__(self, temperature=0.0, top_k=0, top_p=1.0, repetition_penalty=1.0,
                 seed=0):
        self._lib = library()
        self._handle = None
        config = SamplerConfig()
        self._lib.attnc_sampler_config_init(C.byref(config))
        config.temperature, config.top_k, config.top_p = temperature, top_k, top_p
        config.repetition_penalty, config.seed = repetition_penalty, seed
        handle = C.c_void_p()
        check(self._lib.attnc_sampler_create(C.byref(config), C.byref(handle)))
        self._handle = handle

    def __del__(self):
        if self._handle is not None:
            self._lib.attnc_sampler_destroy(self._handle)
            self._handle = None

    def sample(self, logits, context=()):
        """The next token from a 1-D array of logits."""
        logits = np.ascontiguousarray(logits, dtype=np.float32)
        ctx = np.ascontiguousarray(context, dtype=np.int64)
        token = C.c_int64()
        check(self._lib.attnc_sampler_sample(
            self._handle, logits.ctypes.data_as(C.POINTER(C.c_float)), logits.size,
            ctx.ctypes.data_as(C.POINTER(C.c_int64)), ctx.size, C.byref(token)))
        return int(token.value)


def generate(model, prompt, max_new_tokens=16, temperature=0.0, top_k=0, top_p=1.0,
             repetition_penalty=1.0, seed=0, tokenizer=None, stop_tokens=()):
    """Generates from `prompt` (text, or a list of token ids) and yields the
    text as it comes, never cutting a UTF-8 character in two. `tokenizer` is
    a tokenizer.json path or a Tokenizer (default: bytes). Ends after
    max_new_tokens or after any of `stop_tokens` (which is yielded).
    Greedy at temperature 0 (the default), as `attnc generate`."""
    _check_decoder(model)
    if not isinstance(tokenizer, Tokenizer):
        tokenizer = Tokenizer(tokenizer)
    ids = tokenizer.encode(prompt) if isinstance(prompt, (str, bytes)) else list(prompt)
    if not ids:
        raise InvalidArgumentError("the prompt is empty: give at least one token")
    if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise InvalidArgumentError("the number of new tokens must be at least 1, "
                                   f"not {max_new_tokens!r}")
    context = model.context_length
    if context is not None and len(ids) + max_new_tokens > context:
        raise InvalidArgumentError(
            f"the prompt ({len(ids)} tokens) and {max_new_tokens} new tokens exceed "
            f"the model's context of {context} tokens; ask for at most "
            f"{max(0, context - len(ids))} new tokens")
    sampler = Sampler(temperature, top_k, top_p, repetition_penalty, seed)
    return _tokens_to_text(model, tokenizer, sampler, ids, max_new_tokens,
                           set(stop_tokens))


def _check_decoder(model):
    """The decoder contract (runtime/include/attnc/Decoder.h), in brief."""
    names = {s.name for s in model.inputs}, {s.name for s in model.outputs}
    if "input_ids" not in names[0] or "logits" not in names[1]:
        raise MismatchError(f"model '{model.name}' is not a decoder: it has no "
                            f"{'input input_ids' if 'input_ids' not in names[0] else 'output logits'}"
                            " (a decoder takes input_ids: i64[batch, seq] and returns "
                            "logits: f32[batch, seq, vocab])")


def _tokens_to_text(model, tokenizer, sampler, ids, max_new_tokens, stop_tokens):
    # A generator function apart from generate(), so that argument errors
    # raise at the call, not at the first next().
    text = codecs.getincrementaldecoder("utf-8")("replace")
    session = model.session(capacity=len(ids) + max_new_tokens) if model.has_kv_cache \
        else model.session()
    try:
        logits = _next_logits(session, ids, ids)
        for count in range(1, max_new_tokens + 1):
            token = sampler.sample(logits, ids)
            ids.append(token)
            try:
                piece = text.decode(tokenizer.decode_bytes([token]))
            except InvalidArgumentError:
                # A token the tokenizer has no text for, shown by its id as
                # `attnc generate` does.
                piece = text.decode(b"", final=True) + f"<|{token}|>"
            if piece:
                yield piece
            if token in stop_tokens or count == max_new_tokens:
                break
            logits = _next_logits(session, ids, [token])
        rest = text.decode(b"", final=True)
        if rest:
            yield rest
    finally:
        session.close()


def _next_logits(session, sequence, new):
    """The logits after `new` tokens: one step with a KV cache, else a run
    over the whole sequence."""
    if session.capacity is not None:
        return session.step(new)[0, -1]
    ids = np.asarray([sequence], dtype=np.int64)
    return session.run(input_ids=ids)["logits"][0, -1]
