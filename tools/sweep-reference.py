#!/usr/bin/env python3
"""Random-configuration sweep of the example models against PyTorch.

test/reference checks each example on a few fixed shapes; this draws many
others from a seed: model shapes (head dims from 4 to 128, 1 to 8 heads,
grouped-query key/value heads, odd intermediate and vocabulary sizes, 1 or 2
layers), storage flags (--weight-type, --round-activations, --kv-cache-type,
--target-cpu x86-64-v2/v3/v4, AMX emulated), thread counts of 1 to 3, 5 and 16, batch and
sequence lengths around the kernels' tiles. Every check is one of the
harness's own, against the same PyTorch references as the lit tests:

  forward  examples/{llama,qwen2,gpt2,bloom,bert,vit,translator}.attn and
           llama.attn with Mistral's sliding window (LLaMA and Qwen2 tied or
           not, random rope_theta and norm eps), `attnc run` on two random
           inputs per model (BERT's with ragged padding masks and token types,
           ViT's random pictures of 1 to 4 channels, the translator's source
           and target of different lengths);
  kv       the KV-cache path through the runtime's sessions
           (kv_cache_ref.check_steps: a prefill, then steps of 1 to 33
           tokens up to 300 positions) and, now and then, `attnc generate`'s
           greedy tokens.

Prints the harness's lines (`... PASS|FAIL`) and a summary; exits 1 if any
check fails. Reproduce one configuration with --only N (the same seed).

Not every failure is a bug. With rounded activations (--round-activations)
or a bf16/f16 KV cache, attnc and PyTorch sum in f32 in different orders and
now and then round one value to neighbouring bf16 values ("flips",
test/reference/harness.py): checks of up to 16 positions, held to 1e-4,
then fail by about 1e-3..5e-3, and long KV-cache runs can pass the 1.5 units
the lit tests allow. A forward check with rounded activations that fails is
run again with the reference's linear inputs nudged by +-1 to 30 f32 ulp
before they are rounded (harness.ROUNDING_NUDGE); if attnc's error is no
larger than the reference's own movement, the check passes as a flip (its
line says so): a wrong formula still fails by far more (not rounding at all
does not: the lit tests' counter-checks, on shapes too small for flips, tell
that apart). The KV cache's flips still fail: confirm them by rounding the
reference's keys a few ulp apart before chasing them.

usage: tools/sweep-reference.py {forward,kv} [--seed S] [--count N]
                                [--only N] [--attnc PATH] [--workdir DIR]
Needs /usr/bin/python3 with torch (python3-torch) and a build (PATH or
--attnc: build/bin/attnc; the runtime next to it).
"""
import argparse
import os
import random
import shutil
import sys
import tempfile

os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import bert_ref  # noqa: E402
import bloom_ref  # noqa: E402
import gpt2_ref  # noqa: E402
import harness  # noqa: E402
import kv_cache_ref  # noqa: E402
import llama_ref  # noqa: E402
import translator_ref  # noqa: E402
import vit_ref  # noqa: E402

HEAD_DIMS = (4, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128)
HEADS = (1, 2, 3, 4, 5, 6, 8)
SEQUENCES = (1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 70, 129)
STEP_TOKENS = (1, 1, 1, 1, 2, 3, 5, 16, 17, 33)
PLAIN_LINEAR = F.linear


def draw_flags(r, mode):
    """Storage and target flags, and the harness settings that match them."""
    weight = r.choice([None, None, "bf16", "f16", "int8"])
    rounded = mode == "forward" and weight in ("bf16", "int8") and r.random() < 0.5
    kv = r.choice([None, None, "bf16", "f16"]) if mode == "kv" else None
    flags = [f"--weight-type={weight}"] if weight else []
    if rounded:
        flags.append("--round-activations")
    if kv:
        flags.append(f"--kv-cache-type={kv}")
    if r.random() < 0.3:
        # AVX2 (8 lanes), SSE4.2 (4 lanes), AVX-512 without its BF16/VNNI.
        flags.append("--target-cpu=" + r.choice(["x86-64-v3", "x86-64-v3", "x86-64-v2",
                                                 "x86-64-v4"]))
    elif rounded and weight == "bf16" and r.random() < 0.5:
        flags += ["--target-features=+amx-tile,+amx-bf16", "--emulate-amx"]
    harness.WEIGHT_TYPE = weight
    harness.KV_CACHE_TYPE = kv
    F.linear = PLAIN_LINEAR
    harness.ROUND_ACTIVATIONS = False
    if rounded:
        harness.round_linear_inputs()
    return flags


def bert_outputs(model, ids, mask, types):
    with torch.no_grad():
        return harness.to_numpy(model(torch.from_numpy(ids), torch.from_numpy(mask),
                                      torch.from_numpy(types)))


def draw_model(r, seed, mode):
    """(name, example, config, model, reference) of a random small model, or
    None (a head dim RoPE cannot rotate). The encoders (BERT, ViT) and the
    translator only forward."""
    kinds = ["llama", "mistral", "qwen2", "gpt2", "bloom"]
    if mode == "forward":
        kinds += ["bert", "vit", "translator"]
    kind = r.choice(kinds)
    d = r.choice(HEAD_DIMS)
    heads = r.choice(HEADS)
    heads = min(heads, max(1, 512 // d))
    hidden, vocab, layers = d * heads, r.randint(3, 400), r.randint(1, 2)
    harness.seeded(seed)
    if kind == "gpt2":
        config = dict(vocab_size=vocab, n_positions=400, n_embd=hidden, n_layer=layers,
                      n_head=heads)
        return "gpt2", "gpt2.attn", config, gpt2_ref.GPT2(**config), gpt2_ref.logits
    if kind == "bert":
        config = dict(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                      num_attention_heads=heads, intermediate_size=r.randint(1, 300),
                      max_position_embeddings=320, type_vocab_size=r.randint(1, 3))
        return "bert", "bert.attn", config, bert_ref.Bert(**config), bert_outputs
    if kind == "vit":
        patch = r.choice([1, 2, 3, 4, 5, 8])
        config = dict(image_size=patch * r.randint(1, 9), patch_size=patch,
                      num_channels=r.randint(1, 4), hidden_size=hidden,
                      num_hidden_layers=layers, num_attention_heads=heads,
                      intermediate_size=r.randint(1, 300), num_labels=r.randint(1, 50),
                      layer_norm_eps=r.choice([1e-12, 1e-6, 1e-5]))
        # Randomized as vit_ref's checks do (class token, positions, patches).
        return "vit", "vit.attn", config, vit_ref.randomized(config, seed), vit_outputs
    if kind == "translator":
        config = dict(src_vocab_size=r.randint(3, 300), tgt_vocab_size=vocab, d_model=hidden,
                      nhead=heads, num_encoder_layers=r.randint(1, 2),
                      num_decoder_layers=layers, dim_feedforward=r.randint(1, 300))
        return ("translator", "translator.attn", config,
                translator_ref.Translator(**config), translator_outputs)
    if kind == "bloom":
        config = dict(vocab_size=vocab, hidden_size=hidden, n_layer=layers, n_head=heads)
        return "bloom", "bloom.attn", config, bloom_ref.Bloom(**config), bloom_ref.logits
    kv_heads = r.choice([h for h in range(1, heads + 1) if heads % h == 0])
    config = dict(vocab_size=vocab, hidden_size=hidden, intermediate_size=r.randint(1, 300),
                  num_hidden_layers=layers, num_attention_heads=heads,
                  num_key_value_heads=kv_heads,
                  rms_norm_eps=r.choice([1e-6, 1e-5]),
                  rope_theta=r.choice([10000.0, 500000.0, 1000000.0]))
    if kind == "mistral":
        config["sliding_window"] = r.choice([1, 2, 5, 8, 16, 33, 64])
    if d % 2:
        return None
    tied = r.random() < 0.3
    model = llama_ref.Llama(**config, qkv_bias=kind == "qwen2", tie_word_embeddings=tied)
    example = "qwen2.attn" if kind == "qwen2" else "llama.attn"
    return "llama", example, config, model, llama_ref.logits


def vit_outputs(model, pixels):
    with torch.no_grad():
        return harness.to_numpy(model(torch.from_numpy(pixels)))


def translator_outputs(model, src, tgt):
    with torch.no_grad():
        return harness.to_numpy(model(torch.from_numpy(src), torch.from_numpy(tgt)))


class Context:
    """What kv_cache_ref's checks read: attnc, the report, the runtime."""

    def __init__(self, attnc, report, runtime):
        self.attnc, self.report, self.runtime = attnc, report, runtime


# The nudges (harness.ROUNDING_NUDGE = 1 + k 2^-23) a failing check with
# rounded activations is compared again at.
NUDGES = (1, -1, 3, -3, 10, -10, 30, -30)


def compare(ctx, name, label, variant, got, reference, tol=None):
    """The report's compare of attnc's `got` against `reference()`. With
    rounded activations, a check that fails by no more than the reference
    itself moves at inputs nudged by a few f32 ulp is flip-sensitive at that
    magnitude (see the top of this file): it passes as a flip, and its line
    says so."""
    ref = reference()
    if tol is None:
        tol = harness.output_tolerance(got)
    max_abs, max_rel = harness.errors(got, ref)
    if max_rel > tol and harness.ROUND_ACTIVATIONS:
        spread = 0.0
        for k in NUDGES:
            harness.ROUNDING_NUDGE = 1 + k * 2.0 ** -23
            try:
                spread = max(spread, harness.errors(reference(), ref)[1])
            finally:
                harness.ROUNDING_NUDGE = 1.0
        if max_rel <= spread:
            ctx.report.flips += 1
            ctx.report.line(name, label, variant, max_abs, max_rel, True,
                            f" tol={tol:g}, a flip: the reference moves {spread:.3e} at "
                            f"inputs nudged by up to {max(NUDGES)} ulp")
            return
    ctx.report.compare(name, label, variant, got, ref, tol=tol)


def check_forward(ctx, r, name, so, weights, model, reference, config, label, seed):
    rng = harness.seeded(seed)
    for _ in range(2):
        batch, seq = r.randint(1, 3), r.choice(SEQUENCES)
        if name == "vit":
            c = config
            pixels = rng.uniform(-1, 1, (batch, c["num_channels"], c["image_size"],
                                         c["image_size"])).astype(np.float32)
            out = ctx.attnc.run(so, weights, {"pixel_values": pixels}, tag="sweep")
            # The class token's logits carry roundings at every patch.
            tokens = (c["image_size"] // c["patch_size"]) ** 2 + 1
            compare(ctx, name, label, f"batch={batch}", out["logits"],
                    lambda: reference(model, pixels), tol=harness.tolerance(batch * tokens))
            continue
        if name == "translator":
            src_seq = r.choice(SEQUENCES)
            src = rng.integers(0, config["src_vocab_size"], (batch, src_seq), dtype=np.int64)
            tgt = rng.integers(0, config["tgt_vocab_size"], (batch, seq), dtype=np.int64)
            out = ctx.attnc.run(so, weights, {"src_ids": src, "tgt_ids": tgt}, tag="sweep")
            compare(ctx, name, label, f"batch={batch},src_seq={src_seq},tgt_seq={seq}",
                    out["logits"], lambda: reference(model, src, tgt),
                    tol=harness.tolerance(batch * (src_seq + seq)))
            continue
        ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
        if name != "bert":
            out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="sweep")
            compare(ctx, name, label, f"batch={batch},seq={seq}", out["logits"],
                    lambda: reference(model, ids))
            continue
        lengths = [r.randint(1, seq) for _ in range(batch)]
        mask = (np.arange(seq)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
        types = rng.integers(0, config["type_vocab_size"], (batch, seq), dtype=np.int64)
        out = ctx.attnc.run(so, weights, {"input_ids": ids, "attention_mask": mask,
                                          "token_type_ids": types}, tag="sweep")
        compare(ctx, name, label, f"batch={batch},seq={seq},lengths={lengths}",
                out["last_hidden_state"], lambda: reference(model, ids, mask, types))


def check_kv(ctx, r, name, so, weights, model, logits, config, label, seed):
    vocab = config["vocab_size"]
    total = r.choice([20, 70, 140, 300])
    chunks = [r.randint(1, 40)]
    while sum(chunks) < total:
        chunks.append(r.choice(STEP_TOKENS))
    kv_cache_ref.check_steps(ctx, name, label, so, weights, lambda ids: logits(model, ids),
                             vocab, r.randint(1, 3), chunks, seed=seed)
    if harness.KV_CACHE_TYPE is None and r.random() < 0.4:
        kv_cache_ref.check_generate(ctx, name, label, so, weights,
                                    lambda ids: logits(model, ids), vocab, seed=seed + 1,
                                    steps=r.choice([8, 20]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("forward", "kv"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=20, help="configurations (default 20)")
    ap.add_argument("--only", type=int, help="run configuration N of the seed only")
    ap.add_argument("--attnc", default=shutil.which("attnc") or "attnc")
    ap.add_argument("--workdir", help="keep compiled models here (default: a temporary "
                    "directory, removed afterwards)")
    args = ap.parse_args()
    attnc_path = os.path.realpath(shutil.which(args.attnc) or args.attnc)
    # The runtime the KV-cache checks load: lib/ next to attnc's bin/.
    runtime = os.path.join(os.path.dirname(os.path.dirname(attnc_path)), "lib",
                           "libattnc_runtime.so")
    if args.mode == "kv":
        harness.round_cached_kv()
    report = harness.Report()
    report.flips = 0  # passing checks that were flips (compare)
    check = check_forward if args.mode == "forward" else check_kv
    with tempfile.TemporaryDirectory(prefix="attnc-sweep-") as tmp:
        for n in range(args.count if args.only is None else args.only + 1):
            # Each configuration draws from its own generator: --only N sees
            # the same configuration without replaying the others.
            cr = random.Random(f"{args.seed}-{n}")
            seed = args.seed * 1000 + n
            flags = draw_flags(cr, args.mode)
            drawn = draw_model(cr, seed, args.mode)
            threads = cr.choice([1, 2, 3, 1, 2, 3, 5, 16])
            if drawn is None or (args.only is not None and n != args.only):
                continue
            name, example, config, model, reference = drawn
            if name != "vit":
                model = harness.randomize_(model).eval()
            work = os.path.join(args.workdir or tmp, str(n))
            ctx = Context(harness.Attnc(work, attnc_path, False, flags), report, runtime)
            os.environ["OMP_NUM_THREADS"] = str(threads)
            label = f"#{n}"
            print(f"#{n}: {name} {config} {' '.join(flags)} threads={threads}", flush=True)
            try:
                weights = ctx.attnc.save_weights("weights", model.checkpoint())
                if name == "vit":
                    vit_ref.round_stored_(model)
                else:
                    harness.round_stored_(model)
                so = ctx.attnc.compile(harness.example(example), config)
                check(ctx, cr, name, so, weights, model, reference, config, label, seed)
            except harness.AttncError as e:
                report.fail(name, label, "-", str(e))
            if not args.workdir:
                shutil.rmtree(work, ignore_errors=True)
    report.summary()
    if report.flips:
        print(f"({report.flips} of the passing checks passed as flips: beyond their "
              "tolerance, within the reference's own movement at nudged inputs)")
    return 1 if report.failures or report.lines == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
