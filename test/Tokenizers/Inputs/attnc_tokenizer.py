"""attnc's tokenizer through its C API (libattnc_runtime.so, with ctypes),
for the reference checks in this directory."""
import ctypes as C

NO_SPECIAL_TOKENS = 1
SKIP_SPECIAL_TOKENS = 2
CONTINUATION = 4


class AttncError(Exception):
    pass


class Tokenizer:
    def __init__(self, runtime, path):
        self.rt = rt = C.CDLL(runtime)
        rt.attnc_last_error.restype = C.c_char_p
        rt.attnc_tokenizer_bos_id.restype = C.c_int64
        rt.attnc_tokenizer_eos_id.restype = C.c_int64
        rt.attnc_tokenizer_token_id.restype = C.c_int64
        self.handle = C.c_void_p()
        self._check(rt.attnc_tokenizer_open(path.encode(), C.byref(self.handle)))

    def _check(self, status):
        if status != 0:
            raise AttncError(self.rt.attnc_last_error().decode())

    def encode(self, text, special=True):
        data = text.encode("utf-8") if isinstance(text, str) else text
        flags = 0 if special else NO_SPECIAL_TOKENS
        count = C.c_size_t()
        self._check(self.rt.attnc_tokenizer_encode_flags(
            self.handle, data, C.c_size_t(len(data)), C.c_uint32(flags), None,
            C.c_size_t(0), C.byref(count)))
        ids = (C.c_int64 * max(count.value, 1))()
        self._check(self.rt.attnc_tokenizer_encode_flags(
            self.handle, data, C.c_size_t(len(data)), C.c_uint32(flags), ids,
            C.c_size_t(count.value), C.byref(count)))
        return list(ids[:count.value])

    def decode_bytes(self, ids, flags=0):
        array = (C.c_int64 * max(len(ids), 1))(*ids)
        count = C.c_size_t()
        self._check(self.rt.attnc_tokenizer_decode_flags(
            self.handle, array, C.c_size_t(len(ids)), C.c_uint32(flags), None,
            C.c_size_t(0), C.byref(count)))
        out = C.create_string_buffer(max(count.value, 1))
        self._check(self.rt.attnc_tokenizer_decode_flags(
            self.handle, array, C.c_size_t(len(ids)), C.c_uint32(flags), out,
            C.c_size_t(count.value), C.byref(count)))
        return out.raw[:count.value]

    def decode(self, ids, flags=0):
        return self.decode_bytes(ids, flags).decode("utf-8", errors="replace")

    def stream(self, ids):
        """Decoded one id at a time, as attnc generate does."""
        out = b""
        for i, token in enumerate(ids):
            out += self.decode_bytes([token], CONTINUATION if i else 0)
        return out.decode("utf-8", errors="replace")

    def bos(self):
        return self.rt.attnc_tokenizer_bos_id(self.handle)

    def eos(self):
        return self.rt.attnc_tokenizer_eos_id(self.handle)


class Report:
    """Counts checks; prints one line per failure and a summary."""

    def __init__(self, name):
        self.name, self.checks, self.failed = name, 0, 0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.failed += 1
            print(f"FAIL {self.name}: {what}")

    def finish(self):
        print(f"{self.name}: {self.checks} checks, {self.failed} failed")
        return 1 if self.failed else 0
