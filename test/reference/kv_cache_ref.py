"""The KV-cache path of the decoders (gpt2, llama) against PyTorch.

A compiled decoder's default build has an incremental-decoding entry; the
runtime (runtime.h sessions, called here with ctypes) runs it as a prefill of
the prompt and then one step per token, each step reusing the cached keys
and values. The logits of every step must equal, position by position, the
logits of the PyTorch reference model over the whole sequence at once. The
sequence is fixed in advance (teacher forcing), so that one wrong step does
not change what later steps see. Also: greedy generation of 32 tokens by
`attnc generate` (which decodes with the KV cache) against PyTorch's greedy
generation by repeated full forward.
"""

import ctypes as C
import json

import numpy as np

import bloom_ref
import gpt2_ref
import harness
import llama_ref


class Tensor(C.Structure):
    _fields_ = [("name", C.c_char_p), ("dtype", C.c_int), ("rank", C.c_int32),
                ("shape", C.POINTER(C.c_int64)), ("data", C.c_void_p)]


DTYPE_I64 = 7


class Session:
    """A runtime session with the KV cache enabled, on one compiled model."""

    def __init__(self, runtime, so, weights, capacity):
        self.rt = rt = C.CDLL(runtime)
        rt.attnc_last_error.restype = C.c_char_p
        rt.attnc_tensor_list_find.restype = C.POINTER(Tensor)
        rt.attnc_session_kv_position.restype = C.c_int64
        self.model, self.session = C.c_void_p(), C.c_void_p()
        self._check(rt.attnc_model_open(so.encode(), C.byref(self.model)), "open")
        if not rt.attnc_model_has_kv_cache(self.model):
            raise harness.AttncError(f"{so} has no KV-cache step entry")
        self._check(rt.attnc_model_load_weights(self.model, weights.encode()), "load weights")
        self._check(rt.attnc_session_create(self.model, C.byref(self.session)), "session")
        self._check(rt.attnc_session_enable_kv_cache(self.session, C.c_int64(capacity)),
                    "enable the KV cache")

    def _check(self, status, what):
        if status != 0:
            raise harness.AttncError(f"{what}: {self.rt.attnc_last_error().decode()}")

    def step(self, ids):
        """Logits [batch, new tokens, vocab] for `ids` [batch, new tokens]."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        shape = (C.c_int64 * 2)(*ids.shape)
        t = Tensor(b"input_ids", DTYPE_I64, 2, shape, ids.ctypes.data)
        out = C.c_void_p()
        self._check(self.rt.attnc_session_step(self.session, C.byref(t), 1, C.byref(out)),
                    "step")
        logits = self.rt.attnc_tensor_list_find(out, b"logits").contents
        dims = [logits.shape[i] for i in range(logits.rank)]
        return np.ctypeslib.as_array(C.cast(logits.data, C.POINTER(C.c_float)),
                                     shape=dims).copy()

    def position(self):
        return self.rt.attnc_session_kv_position(self.session)

    def close(self):
        self.rt.attnc_session_destroy(self.session)
        self.rt.attnc_model_destroy(self.model)


def check_steps(ctx, name, variant, so, weights, reference, vocab, batch, chunks, seed):
    """Feeds random tokens in `chunks` (the first is the prefill) and compares
    each step's logits with the full-sequence reference at the chunk's last
    position: a step returns that row only (attnc-step-last-position); the
    rows before it are the ones later steps attend to through the cache."""
    total = sum(chunks)
    ids = harness.seeded(seed).integers(0, vocab, (batch, total), dtype=np.int64)
    ref = reference(ids)
    session = Session(ctx.runtime, so, weights, capacity=total)
    try:
        worst_abs, worst_rel, at, ok = 0.0, 0.0, 0, True
        for length in chunks:
            got = session.step(ids[:, at:at + length])
            ok = ok and got.shape == (batch, 1, vocab)
            # Each step is held to the tolerance against its own position.
            last = at + length - 1
            max_abs, max_rel = harness.errors(got, ref[:, last:last + 1])
            ok = ok and max_rel <= harness.kv_tolerance()
            worst_abs, worst_rel = max(worst_abs, max_abs), max(worst_rel, max_rel)
            at += length
        position = session.position()
    finally:
        session.close()
    ok = ok and position == total
    ctx.report.line(name, "small+kv-cache", f"{variant},batch={batch},steps={len(chunks)}",
                    worst_abs, worst_rel, ok,
                    f"prefill={chunks[0]} tokens={total} cached={position}")


def check_generate(ctx, name, variant, so, weights, torch_step, vocab, seed, steps=32):
    """`attnc generate` (KV cache) picks PyTorch's greedy tokens."""
    prompt = harness.seeded(seed).integers(0, vocab, 5).tolist()
    ref_tokens, _, gap = harness.greedy(torch_step, prompt, steps)
    out = ctx.attnc.call(["generate", so, "--weights", weights, "--prompt-tokens",
                          ",".join(map(str, prompt)), "--max-new-tokens", str(steps), "--json"])
    result = json.loads(out)
    got = result["tokens"]
    same = 0
    while same < min(len(got), steps) and got[same] == ref_tokens[same]:
        same += 1
    extra = f"tokens_identical={same}/{steps} min_top2_gap={gap:.3g}"
    if same < steps:
        extra += f" attnc={got} torch={ref_tokens}"
    ok = same == steps and len(got) == steps and result.get("kv_cache") is True
    ctx.report.line(name, "small+kv-cache", f"{variant},generate greedy{steps}", 0.0, 0.0,
                    ok, extra + f" kv_cache={result.get('kv_cache')}")


# A prefill, single-token steps, and a multi-token step in the middle; 70
# tokens in all, so that the cache crosses 64 (a tile size) while stepping.
CHUNKS = [5] + [1] * 30 + [7] + [1] * 28


def run_gpt2(ctx):
    config = dict(vocab_size=257, n_positions=320, n_embd=64, n_layer=2, n_head=4)
    harness.seeded(2)
    model = gpt2_ref.GPT2(**config)
    model = harness.randomize_(model).eval()
    weights = ctx.attnc.save_weights("gpt2-kv", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("gpt2.attn"), config)
    for batch in (1, 3):
        check_steps(ctx, "gpt2", "mha", so, weights, lambda ids: gpt2_ref.logits(model, ids),
                    config["vocab_size"], batch, CHUNKS, seed=30 + batch)
    check_generate(ctx, "gpt2", "mha", so, weights, lambda ids: gpt2_ref.logits(model, ids),
                   config["vocab_size"], seed=35)


def run_gpt2_wide(ctx):
    """A GPT-2 wide enough that a single token's products are cut along K as
    well (docs/passes.md, "One row cut along K": n_embd 512 is 11 panels, K
    512 and 2048), with the bias, GELU and residual fused around them;
    batch 1, so that every single-token step takes that path."""
    config = dict(vocab_size=257, n_positions=80, n_embd=512, n_layer=1, n_head=8)
    harness.seeded(3)
    model = harness.randomize_(gpt2_ref.GPT2(**config)).eval()
    weights = ctx.attnc.save_weights("gpt2-kv-wide", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("gpt2.attn"), config)
    check_steps(ctx, "gpt2", "mha-k-cut", so, weights, lambda ids: gpt2_ref.logits(model, ids),
                config["vocab_size"], 1, CHUNKS, seed=37)


def run_llama(ctx):
    base = dict(vocab_size=97, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                num_attention_heads=4)
    for n, (variant, kv_heads) in enumerate([("gqa", 2), ("mqa", 1)]):
        config = dict(base, num_key_value_heads=kv_heads)
        harness.seeded(40 + n)
        model = harness.randomize_(llama_ref.Llama(**config)).eval()
        weights = ctx.attnc.save_weights(f"llama-kv-{n}", model.checkpoint())
        harness.round_stored_(model)
        so = ctx.attnc.compile(harness.example("llama.attn"), config)
        for batch in (1, 3):
            check_steps(ctx, "llama", variant, so, weights,
                        lambda ids: llama_ref.logits(model, ids), config["vocab_size"], batch,
                        CHUNKS, seed=50 + 2 * n + batch)
        check_generate(ctx, "llama", variant, so, weights,
                       lambda ids: llama_ref.logits(model, ids), config["vocab_size"],
                       seed=60 + n)


def run_mistral(ctx):
    """examples/llama.attn with a sliding window of 8 keys (Mistral): every
    cached step of 70 tokens and 32 greedy tokens from a 5-token prompt, so
    that the window slides over the cache for 60 steps and 29 tokens."""
    config = dict(vocab_size=97, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, sliding_window=8)
    harness.seeded(70)
    model = harness.randomize_(llama_ref.Llama(**config)).eval()
    weights = ctx.attnc.save_weights("mistral-kv", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("llama.attn"), config)
    for batch in (1, 3):
        check_steps(ctx, "mistral", "w8,gqa", so, weights,
                    lambda ids: llama_ref.logits(model, ids), config["vocab_size"], batch,
                    CHUNKS, seed=71 + batch)
    check_generate(ctx, "mistral", "w8,gqa", so, weights,
                   lambda ids: llama_ref.logits(model, ids), config["vocab_size"], seed=75)


def run_bloom(ctx):
    """examples/bloom.attn (ALiBi): every cached step, and greedy tokens."""
    config, model = bloom_ref.small_model(120, n_head=6, hidden_size=48)
    weights = ctx.attnc.save_weights("bloom-kv", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("bloom.attn"), config)
    for batch in (1, 3):
        check_steps(ctx, "bloom", "alibi", so, weights, lambda ids: bloom_ref.logits(model, ids),
                    config["vocab_size"], batch, CHUNKS, seed=121 + batch)
    check_generate(ctx, "bloom", "alibi", so, weights, lambda ids: bloom_ref.logits(model, ids),
                   config["vocab_size"], seed=125)
