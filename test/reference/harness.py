"""What every reference check shares: compiling and running a model with
attnc, comparing its outputs with PyTorch's, and printing one line per check.
"""

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import safetensors_np

EXAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "examples"))

# Outputs must agree within 1e-4 of the largest reference magnitude. Both
# sides compute in f32 (unit roundoff 6e-8) but sum in different orders (BLAS
# blocking vs attnc's loops) over up to a few thousand terms per dot product
# and a dozen layers; such rounding differences measure 1e-7..5e-6 here. A
# wrong formula (a missing bias, a dropped mask, no RoPE, unscaled embeddings)
# moves outputs by 1e-1 or more; the closest convention pair, GELU's tanh form
# against erf, by 2.7e-4 (GPT-2) and 4.9e-4 (BERT) with the weights of
# randomize_ below: still above the tolerance.
REL_TOL = 1e-4


# The storage of matrix weights attnc compiles with (run_all.py
# --weight-type): None or "f32" for f32, "bf16"/"f16" to round them, "int8"
# to quantize the linear layers' weights and the embedding tables.
WEIGHT_TYPE = None

# With int8, whether the embedding tables are quantized too (run_all.py
# --f32-tables clears it for a counter-check that must fail).
INT8_TABLES = True

# Whether linear layers round their input to bf16, or quantize it to int8
# with int8 weights (run_all.py --round-activations, round_linear_inputs).
ROUND_ACTIVATIONS = False
# With rounded activations, attnc and PyTorch agree within REL_TOL only while
# no activation lies so near a bf16 rounding boundary that their f32 sums
# (1e-7 apart) round it to neighbouring bf16 values: one such element in
# about 2^-8 / 1e-7 = 4e4 moves by one bf16 ulp (0.4%), and every layer after
# it carries that. Measured: 1e-7 on 1 to 15 positions, 1e-3..6e-3 on 64 and
# more (GPT-2/LLaMA small), against 3e-3..2e-2 when PyTorch does not round.
# Checks of at most EXACT_POSITIONS positions (batch x seq; both the 8-row
# tiles and the single rows of the kernels) keep REL_TOL; longer ones get
# FLIP_TOL, which still catches a wrong formula (1e-1 and more).
EXACT_POSITIONS = 16
FLIP_TOL = 1e-2
# Quantized to int8 instead (with --weight-type int8), an activation that
# flips moves by one of 127 levels of its block's largest magnitude, not one
# bf16 ulp of itself: 8e-3..1.3e-2 measured on GPT-2 small at 257 positions
# (2e-7 on most checks of 64), up to 1.8e-2 on LLaMA small with f32 weight
# scales and 3.3e-2 with f16 ones (other weights, other flips: LLaMA small,
# grouped queries, batch 3, 257 positions). That figure is the flips, not
# attnc: scaling the reference's own activations by 1 +- k 2^-23 before it
# quantizes them (k = 1, 3, 30, 100) moved that check between 3.3e-2 and
# 3.7e-2, and others between 3e-7 and 5.6e-3 (batch 1, 64 positions) or
# 7.6e-3 and 2.2e-2 (batch 1, 257), attnc unchanged. The short checks
# (REL_TOL) are the ones that tell int8 activations from f32 (1e-2..5e-2),
# and a wrong formula still gives 1e-1 and more.
INT8_FLIP_TOL = 5e-2
# What round_linear_inputs multiplies a linear layer's input by before it
# rounds or quantizes it: 1 + k 2^-23 moves an input that lies within k f32
# ulp of a rounding boundary to its other side (the "flips" above), the rest
# to the same bf16 or int8 value (tools/sweep-reference.py passes a failing
# check as a flip when attnc is off by no more than such nudges move the
# reference).
ROUNDING_NUDGE = 1.0


def tolerance(positions):
    """The relative tolerance of a check over `positions` token positions."""
    if not ROUND_ACTIVATIONS or positions <= EXACT_POSITIONS:
        return REL_TOL
    return INT8_FLIP_TOL if WEIGHT_TYPE == "int8" else FLIP_TOL


def output_tolerance(got):
    """tolerance() of a check of `got`, an output whose axes but the last are
    token positions (batch x seq)."""
    return tolerance(int(np.prod(np.shape(got)[:-1])))

# What a decoder's KV cache holds (run_all.py --kv-cache-type, attnc compile
# --kv-cache-type): None or "f32", or "bf16"/"f16", whose cache rounds every
# key and value it stores. round_cached_kv makes the references do the same
# (ROUNDED_KV; run_all.py --unrounded-kv leaves them unrounded for a
# counter-check that must fail).
KV_CACHE_TYPE = None
ROUNDED_KV = False


# With a narrower cache, attnc and PyTorch round keys computed in f32 by
# different summation orders (1e-7 apart): now and then one lands on the
# other side of a rounding boundary and moves by one unit of the narrow type,
# and the layers after it carry that. Measured on the decoders' 70-token
# checks (kv_cache_ref): at most 0.77 units of bf16's 2^-8 (3.0e-3) and 0.86
# of f16's 2^-11 (4.2e-4) when PyTorch rounds too, at least 3.1 (1.2e-2) and
# 4.7 (2.3e-3) when it does not. The step checks allow KV_FLIP_UNITS units.
KV_FLIP_UNITS = 1.5


def kv_tolerance():
    """The relative tolerance of a check of the KV cache's steps."""
    unit = {"bf16": 2.0 ** -8, "f16": 2.0 ** -11}.get(KV_CACHE_TYPE)
    return REL_TOL if unit is None else max(REL_TOL, KV_FLIP_UNITS * unit)


def cached_kv(x):
    """Keys or values [.., seq, head_dim] as the KV cache holds them: rounded
    to KV_CACHE_TYPE (to nearest, ties to even) and widened back."""
    if not ROUNDED_KV or KV_CACHE_TYPE in (None, "f32"):
        return x
    narrow = {"bf16": torch.bfloat16, "f16": torch.float16}[KV_CACHE_TYPE]
    return x.to(narrow).to(torch.float32)


def round_cached_kv():
    """Makes attention read keys and values as a KV cache of KV_CACHE_TYPE
    holds them: the references with explicit attention call cached_kv; for
    nn.MultiheadAttention (GPT-2), its input projection (F's
    _in_projection_packed, which its slow path calls: the checks pass a mask)
    rounds the keys and values it returns."""
    global ROUNDED_KV
    ROUNDED_KV = True
    packed = F._in_projection_packed

    def in_projection_packed(*args, **kwargs):
        q, k, v = packed(*args, **kwargs)
        return q, cached_kv(k), cached_kv(v)

    F._in_projection_packed = in_projection_packed


# Input features per int8 scale (ATTNC_INT8_BLOCK, docs/abi.md).
INT8_BLOCK = 32


def int8_blocks(w, block=INT8_BLOCK, half_scales=False):
    """The rule of docs/abi.md ("int8 weights") on the rows of w [.., in]:
    each row cut into blocks of `block` features (zero-padded), scale =
    max|w| / 127 in f32 (rounded to f16, nearest even, with `half_scales`:
    a weight's scale; an activation's stays f32), q = w / scale in f32
    rounded half to even (torch.round), clamped to [-127, 127], a block
    whose scale is 0 has q 0. Returns q [.., blocks, block] and scale [..,
    blocks, 1], both f32."""
    w = w.detach().to(torch.float32)
    cols = w.shape[-1]
    blocks = -(-cols // block)
    padded = F.pad(w, (0, blocks * block - cols)).reshape(*w.shape[:-1], blocks, block)
    scale = padded.abs().amax(dim=-1, keepdim=True) / 127.0
    if half_scales:
        scale = scale.to(torch.float16).to(torch.float32)
    q = torch.where(scale > 0, torch.round(padded / scale), torch.zeros_like(padded))
    return q.clamp(-127, 127), scale


def quantize_int8(w, block=INT8_BLOCK):
    """w [out, in] (f32) as the runtime stores it with --weight-type int8,
    read back as f32: q * scale in f32 (int8_blocks), the weight the kernels
    multiply with. Another `block` (None: one scale per row) emulates other
    choices (bench/int8_agreement.py). The result keeps q and scale
    (`int8_parts`) for the int8 x int8 products (q8_linear)."""
    with torch.no_grad():
        out, cols = w.shape
        q, scale = int8_blocks(w, block or cols, half_scales=True)
        result = (q * scale).reshape(out, -1)[:, :cols].contiguous()
        result.int8_parts = (q, scale)
        return result


def int8_parts(weight):
    """quantize_int8's (q, scale) of `weight`, or of a weight whose values
    quantize_int8 leaves as they are (a view of a quantized weight's rows:
    nn.MultiheadAttention splits its in_proj_weight for a cross-attention; a
    copy: torchvision's ViT built from the rounded checkpoint); else None."""
    parts = getattr(weight, "int8_parts", None)
    if parts is None and weight.dim() == 2:
        again = quantize_int8(weight)
        if torch.equal(again, weight.detach()):
            parts = again.int8_parts
    return parts


def q8_linear(x, weight, bias=None):
    """A linear layer as `attnc compile --weight-type int8
    --round-activations` computes it, written from docs/abi.md ("int8 x int8
    products"): x quantized per row and block of 32 by the weights' rule,
    each block's integer dot product with the weight's q (exact: f64 sums of
    integers below 2^53), times scale_x * scale_w (f32), the blocks summed
    in f64 onto the bias."""
    parts = int8_parts(weight)
    if parts is None:
        raise RuntimeError("q8_linear: a weight not quantized by quantize_int8 "
                           "(the weights round_stored_ quantizes carry "
                           "their int8 parts)")
    qw, sw = parts  # [out, blocks, 32], [out, blocks, 1]
    qx, sx = int8_blocks(x)  # [.., blocks, 32], [.., blocks, 1]
    idot = torch.einsum("...bk,obk->...ob", qx.double(), qw.double())
    scale = sx.squeeze(-1).unsqueeze(-2) * sw.squeeze(-1)  # f32 [.., out, blocks]
    y = (idot * scale.double()).sum(-1)
    if bias is not None:
        y = y + bias.double()
    return y.to(torch.float32)


def take_slow_path(module):
    """Makes `module` (a torch.nn class) run its forward with grad enabled.
    Without grad, in eval mode, nn.TransformerEncoderLayer,
    nn.TransformerEncoder and nn.MultiheadAttention take PyTorch's fused
    inference path (an even number of heads, no attention mask), whose
    products do not call F.linear; with grad and parameters that require it
    they take the path that does (the outputs are detached by to_numpy)."""
    forward = module.forward
    if getattr(forward, "takes_slow_path", False):
        return

    def with_grad(self, *args, **kwargs):
        with torch.enable_grad():
            return forward(self, *args, **kwargs)

    with_grad.takes_slow_path = True
    module.forward = with_grad


def round_linear_inputs():
    """Makes every linear layer round its input to bf16 (to nearest even,
    torch's .to(torch.bfloat16)) and back to f32 before multiplying, as
    `attnc compile --weight-type bf16 --round-activations` does, or with
    int8 weights multiply as q8_linear. F.linear is where nn.Linear,
    nn.MultiheadAttention's projections (its slow path: the checks pass a
    mask) and the explicit logits projections all multiply."""
    global ROUND_ACTIVATIONS
    ROUND_ACTIVATIONS = True
    plain = F.linear
    for module in (nn.TransformerEncoder, nn.TransformerEncoderLayer, nn.MultiheadAttention):
        take_slow_path(module)

    def linear(x, weight, bias=None):
        if ROUNDING_NUDGE != 1.0:
            x = x * ROUNDING_NUDGE
        if WEIGHT_TYPE == "int8":
            return q8_linear(x, weight, bias)
        return plain(x.to(torch.bfloat16).to(torch.float32), weight, bias)

    F.linear = linear


def round_stored_(module, keep=()):
    """Rounds, in place, what `attnc compile --weight-type` stores narrower:
    every parameter of 2 or more dimensions (the linear weights and embedding
    tables; norm weights and biases are 1-D) to WEIGHT_TYPE and back to f32,
    with PyTorch's rounding (to nearest, ties to even). Called after the
    checkpoint is saved, so that attnc reads the unrounded f32 weights and
    rounds them itself, at load. `keep`: the parameters the .attn file reads
    otherwise than as a linear() weight or an embedding() table (a
    convolution's [out, C, kh, kw] weight, a class token, a vector stored as
    a [1, n] matrix), which stay f32."""
    if WEIGHT_TYPE in (None, "f32"):
        return module
    kept = {id(p) for p in keep}
    if WEIGHT_TYPE == "int8":
        # The linear weights and the embedding tables ([V, E]: row id is
        # output feature id), each once, in place: a table tied to a linear
        # (a logits projection) is one quantized copy, as attnc reads both
        # from the head's int8 panels.
        with torch.no_grad():
            for w in int8_weights(module, kept):
                q = quantize_int8(w)
                w.copy_(q)
                w.int8_parts = q.int8_parts
        return module
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16}[WEIGHT_TYPE]
    with torch.no_grad():
        for p in module.parameters():
            if p.dim() >= 2 and id(p) not in kept:
                p.copy_(p.to(dtype).to(torch.float32))
    return module


def int8_weights(module, kept):
    """The parameters --weight-type int8 quantizes (round_stored_), each once;
    with INT8_TABLES cleared, not the embedding tables (nor the linears they
    are tied to)."""
    seen, tables = set(kept), set()
    if not INT8_TABLES:
        tables = {id(m.weight) for m in module.modules() if isinstance(m, nn.Embedding)}
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            w = m.weight
        elif isinstance(m, nn.MultiheadAttention) and m.in_proj_weight is not None:
            w = m.in_proj_weight
        else:
            continue
        if id(w) not in seen and id(w) not in tables:
            seen.add(id(w))
            yield w


def example(name):
    return os.path.join(EXAMPLES, name)


def seeded(seed):
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def to_numpy(tensor):
    return tensor.detach().cpu().contiguous().numpy()


def errors(got, ref):
    """Max abs error and max abs error / max |ref|."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        raise ValueError(f"shape {got.shape} from attnc, {ref.shape} from PyTorch")
    if not np.all(np.isfinite(got)):
        return float("inf"), float("inf")
    max_abs = float(np.max(np.abs(got - ref))) if got.size else 0.0
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    return max_abs, (max_abs / scale if scale > 0 else max_abs)


class Report:
    """Prints `name size variant: max_abs=... max_rel=... PASS|FAIL` lines."""

    def __init__(self):
        self.lines = 0
        self.failures = 0
        self.worst = {}  # (name, size) -> (max_abs, max_rel)

    def line(self, name, size, variant, max_abs, max_rel, ok, extra=""):
        self.lines += 1
        self.failures += 0 if ok else 1
        key = (name, size)
        prev = self.worst.get(key, (0.0, 0.0))
        self.worst[key] = (max(prev[0], max_abs), max(prev[1], max_rel))
        extra = f" {extra}" if extra else ""
        print(f"{name} {size} {variant}: max_abs={max_abs:.3e} max_rel={max_rel:.3e}"
              f"{extra} {'PASS' if ok else 'FAIL'}", flush=True)

    def compare(self, name, size, variant, got, ref, tol=None):
        max_abs, max_rel = errors(got, ref)
        extra = ""
        if tol is None:
            tol = output_tolerance(got)
            extra = f"tol={tol:g}" if tol != REL_TOL else ""
        self.line(name, size, variant, max_abs, max_rel, max_rel <= tol, extra)

    def fail(self, name, size, variant, message):
        self.lines += 1
        self.failures += 1
        print(f"{name} {size} {variant}: error: {message} FAIL", flush=True)

    def summary(self):
        for (name, size), (max_abs, max_rel) in self.worst.items():
            print(f"worst {name} {size}: max_abs={max_abs:.3e} max_rel={max_rel:.3e}")
        print(f"reference: {self.lines} checks, {self.failures} failed", flush=True)


class AttncError(RuntimeError):
    pass


class Attnc:
    """Compiles models once per set of -D overrides and runs them by file."""

    def __init__(self, workdir, binary="attnc", verbose=False, compile_flags=()):
        self.workdir = workdir
        self.compile_flags = list(compile_flags)
        self.binary = shutil.which(binary) or binary
        self.verbose = verbose
        self._compiled = {}
        self._count = 0
        self.last_log = ""
        os.makedirs(workdir, exist_ok=True)

    def path(self, name):
        return os.path.join(self.workdir, name)

    def _call(self, args):
        start = time.time()
        proc = subprocess.run([self.binary] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        if self.verbose:
            print(f"  [{time.time() - start:6.2f}s] attnc {' '.join(args)}",
                  file=sys.stderr, flush=True)
        if proc.returncode != 0:
            raise AttncError(f"attnc {' '.join(args)} exited {proc.returncode}:\n"
                             + proc.stdout.strip())
        return proc.stdout

    def call(self, args):
        """Runs `attnc ARGS...`; returns its standard output."""
        proc = subprocess.run([self.binary] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise AttncError(f"attnc {' '.join(args)} exited {proc.returncode}:\n"
                             + proc.stderr.strip())
        return proc.stdout

    def compile(self, model, defines, flags=()):
        key = (model, tuple(sorted(defines.items())), tuple(flags))
        if key not in self._compiled:
            self._count += 1
            stem = os.path.splitext(os.path.basename(model))[0]
            so = self.path(f"{stem}-{self._count}.so")
            args = ["compile", model, *flags, *self.compile_flags]
            for name, value in defines.items():
                args += ["-D", f"{name}={value}"]
            self._call(args + ["-o", so])
            self._compiled[key] = so
        return self._compiled[key]

    def save_weights(self, tag, state):
        path = self.path(f"{tag}.weights.safetensors")
        safetensors_np.save(path, state)
        return path

    def dump_attention(self, so, weights, inputs, tag="dump", flags=(), metadata=None):
        """Runs a --debug-attention build with --dump-attention; returns the
        dumped tensors by name and the file's metadata."""
        inputs_path = self.path(f"{tag}.inputs.safetensors")
        dump_path = self.path(f"{tag}.attention.safetensors")
        safetensors_np.save(inputs_path, inputs, metadata)
        if os.path.exists(dump_path):
            os.remove(dump_path)
        self._call(["run", so, "--weights", weights, "--inputs", inputs_path,
                    "--dump-attention", dump_path, *flags])
        return safetensors_np.load(dump_path), safetensors_np.load_metadata(dump_path)

    def run(self, so, weights, inputs, tag="run"):
        """Runs `so` on a dict of input arrays; returns the outputs by name
        (and keeps what attnc printed, its warnings, in last_log)."""
        inputs_path = self.path(f"{tag}.inputs.safetensors")
        outputs_path = self.path(f"{tag}.outputs.safetensors")
        safetensors_np.save(inputs_path, inputs)
        if os.path.exists(outputs_path):
            os.remove(outputs_path)
        self.last_log = self._call(["run", so, "--weights", weights, "--inputs", inputs_path,
                                    "--outputs", outputs_path])
        return safetensors_np.load(outputs_path)


def state_dict(named):
    """A checkpoint dict of f32 numpy arrays from name -> tensor."""
    return {name: to_numpy(t).astype(np.float32) for name, t in named.items()}


def randomize_(module, gain=2.0, std=None):
    """Replaces every parameter with seeded random values.

    Matrices [out, in] are N(0, (gain / sqrt(in))^2), or N(0, std^2) with a
    fixed `std` (as GPT-2's initializer_range). A gain of 2 keeps activations
    of order 1 through the layers while attention scores spread over several
    units (sharp softmax) and MLP pre-activations reach where the GELU forms
    differ. Norm weights around 1 and nonzero biases everywhere, so that a
    swapped weight and bias or an ignored bias shows in the outputs.
    """
    with torch.no_grad():
        for name, p in module.named_parameters():
            lower = name.lower()
            if p.dim() == 1:
                is_norm = "norm" in lower or lower.startswith("ln") or ".ln" in lower
                if is_norm and lower.endswith("weight"):
                    p.copy_(1.0 + 0.1 * torch.randn_like(p))
                else:
                    p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_((std if std is not None else gain / p.shape[1] ** 0.5)
                        * torch.randn_like(p))
    return module


def greedy(step, prompt, steps):
    """Greedy decoding by repeated full forward: `step(ids [1, s]) -> logits
    [1, s, vocab]` as numpy. Returns the generated tokens, the last-position
    logits of each step, and the smallest top-1/top-2 gap seen."""
    ids = np.array(prompt, dtype=np.int64)[None, :]
    tokens, last_logits, min_gap = [], [], float("inf")
    for _ in range(steps):
        logits = step(ids)[0, -1].astype(np.float64)
        top2 = np.sort(logits)[-2:]
        min_gap = min(min_gap, float(top2[1] - top2[0]))
        token = int(np.argmax(logits))
        tokens.append(token)
        last_logits.append(logits)
        ids = np.concatenate([ids, np.array([[token]], dtype=np.int64)], axis=1)
    return tokens, np.stack(last_logits), min_gap


def check_greedy(report, name, size, attnc_step, torch_step, prompt, steps=32, variant=""):
    """PyTorch generates `steps` greedy tokens; attnc, given the prompt and
    those tokens in one run, must pick the same token at every step, with
    logits within tolerance at every step. In a causal model the logits at
    a position depend only on the tokens before it, so this is attnc's own
    greedy generation by repeated full forward, in one process start
    instead of `steps` (CI time), and the logits stay comparable after a
    first difference."""
    ref_tokens, ref_logits, gap = greedy(torch_step, prompt, steps)
    ids = np.array(list(prompt) + ref_tokens[:-1], dtype=np.int64)[None, :]
    got_logits = attnc_step(ids)[0, len(prompt) - 1:].astype(np.float64)
    got_tokens = [int(t) for t in np.argmax(got_logits, axis=-1)]
    same = 0
    while same < steps and got_tokens[same] == ref_tokens[same]:
        same += 1
    max_abs, max_rel = errors(got_logits, ref_logits)
    tol = tolerance(len(prompt) + steps)
    ok = same == steps and max_rel <= tol
    extra = f"tokens_identical={same}/{steps} min_top2_gap={gap:.3g}"
    if tol != REL_TOL:
        extra += f" tol={tol:g}"
    if not ok and same < steps:
        extra += f" first_difference_at={same} attnc={got_tokens} torch={ref_tokens}"
    report.line(name, size, f"{variant}greedy{steps}", max_abs, max_rel, ok, extra)
