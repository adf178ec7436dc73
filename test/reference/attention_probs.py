#!/usr/bin/env python3
"""The attention probabilities of debug builds against PyTorch's.

Compiles small example models with `attnc compile --debug-attention`, runs
them with `attnc run --dump-attention`, and compares every dumped
probability with the attention weights the PyTorch reference models of this
directory compute for the same weights and inputs: nn.MultiheadAttention's
own weights (need_weights=True, per head) for mha, GPT-2, BERT and the
translator, the softmax of the reference's spelled-out attention for LLaMA
(and Mistral's sliding window).
Also checks that each row sums to 1, that masked entries (causal, padding)
are exactly 0, and what the dump records (--layers and --heads selections,
token ids, which inputs the queries and keys are). Prints one line per
check and exits 1 if any fails.

usage: attention_probs.py [--workdir DIR] [--attnc PATH]
"""

import os

# Before numpy and torch load OpenBLAS: it does not know this CPU by itself.
os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import traceback  # noqa: E402

sys.dont_write_bytecode = True  # Keep the source tree clean.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import bert_ref  # noqa: E402
import gpt2_ref  # noqa: E402
import harness  # noqa: E402
import llama_ref  # noqa: E402
import mha_ref  # noqa: E402
import translator_ref  # noqa: E402

# Probabilities lie in [0, 1]; both sides compute them in f32 from scores
# that differ by rounding only (1e-7..1e-6 here). A wrong scale, mask or
# head mapping moves them by 1e-2 or more.
TOL = 1e-5

DEBUG = ["--debug-attention"]


@contextlib.contextmanager
def mha_weights():
    """Records, per nn.MultiheadAttention module, the per-head attention
    weights [B, H, Sq, Sk] of each call, whatever the caller asked for."""
    recorded = {}
    original = nn.MultiheadAttention.forward

    def forward(self, *args, **kwargs):
        kwargs["need_weights"] = True
        kwargs["average_attn_weights"] = False
        out, weights = original(self, *args, **kwargs)
        recorded.setdefault(self, []).append(weights.detach())
        return out, weights

    nn.MultiheadAttention.forward = forward
    try:
        yield recorded
    finally:
        nn.MultiheadAttention.forward = original


@contextlib.contextmanager
def softmax_weights():
    """Records every softmax over the last dimension of a 4-D tensor."""
    recorded = []
    original = F.softmax

    def softmax(x, dim=None, *args, **kwargs):
        y = original(x, dim, *args, **kwargs)
        if x.dim() == 4 and dim in (-1, 3):
            recorded.append(y.detach())
        return y

    F.softmax = softmax
    try:
        yield recorded
    finally:
        F.softmax = original


def stacked(recorded, modules):
    """[layers, B, H, Sq, Sk] from one recorded call per module."""
    return harness.to_numpy(torch.stack([recorded[m][0] for m in modules]))


def causal_mask(queries, keys):
    """True where query i may not see key j: j > i + (keys - queries)."""
    i = np.arange(queries)[:, None]
    j = np.arange(keys)[None, :]
    return j > i + (keys - queries)


class Checker:
    def __init__(self, report):
        self.report = report

    def probabilities(self, name, variant, got, ref, masked):
        """`got` and `ref` [L, B, H, Sq, Sk]; `masked` broadcasts to them."""
        max_abs, max_rel = harness.errors(got, ref)
        self.report.line("attention", name, f"{variant} vs torch", max_abs, max_rel,
                         max_abs <= TOL)
        sums = np.abs(got.astype(np.float64).sum(axis=-1) - 1.0)
        worst = float(sums.max()) if sums.size else 0.0
        self.report.line("attention", name, f"{variant} rows sum to 1", worst, worst,
                         worst <= TOL)
        masked = np.broadcast_to(masked, got.shape)
        leaked = float(np.abs(got[masked]).max()) if masked.any() else 0.0
        self.report.line("attention", name, f"{variant} masked entries are 0 "
                         f"({int(masked.sum())})", leaked, leaked, leaked == 0.0)

    def equal(self, name, variant, got, expected):
        ok = got == expected
        self.report.line("attention", name, variant, 0.0, 0.0, ok,
                         "" if ok else f"got={got!r} expected={expected!r}")


def check_mha(ctx, check):
    d_model, n_head = 32, 4
    harness.seeded(1)
    mha = harness.randomize_(nn.MultiheadAttention(d_model, n_head, batch_first=True)).eval()
    weights = ctx.attnc.save_weights("attn-mha", mha_ref.checkpoint(mha))
    for spelling in ("mha", "mha_explicit"):
        so = ctx.attnc.compile(harness.example(f"{spelling}.attn"),
                               {"d_model": d_model, "n_head": n_head, "causal": 1}, DEBUG)
        x = torch.randn(2, 9, d_model)
        with mha_weights() as recorded:
            mha_ref.forward(mha, x, causal=1)
        ref = stacked(recorded, [mha])
        got, meta = ctx.attnc.dump_attention(so, weights, {"x": harness.to_numpy(x)})
        check.probabilities(spelling, "batch=2,seq=9", got["attention.0"], ref,
                            causal_mask(9, 9))
        check.equal(spelling, "one site, one layer", (sorted(got), meta["attention.0.layers"]),
                    (["attention.0"], "[0]"))


def check_gpt2(ctx, check):
    config = dict(vocab_size=101, n_positions=300, n_embd=32, n_layer=3, n_head=4)
    harness.seeded(2)
    model = harness.randomize_(gpt2_ref.GPT2(**config)).eval()
    weights = ctx.attnc.save_weights("attn-gpt2", model.checkpoint())
    so = ctx.attnc.compile(harness.example("gpt2.attn"), config, DEBUG)
    ids = harness.seeded(3).integers(0, config["vocab_size"], (2, 11), dtype=np.int64)
    with mha_weights() as recorded:
        model(torch.from_numpy(ids))
    ref = stacked(recorded, [block.attn for block in model.h])
    tokens = json.dumps([[f"t{i}" for i in row] for row in ids.tolist()])
    got, meta = ctx.attnc.dump_attention(so, weights, {"input_ids": ids},
                                         metadata={"tokens.input_ids": tokens})
    check.probabilities("gpt2", "all layers,batch=2,seq=11", got["attention.0"], ref,
                        causal_mask(11, 11))
    check.equal("gpt2", "metadata", (meta["attention.0.layers"], meta["attention.0.heads"],
                                     json.loads(meta["token_ids.input_ids"]),
                                     meta["tokens.input_ids"], meta["attention.0.queries"],
                                     meta["attention.0.keys"], meta["axes"]),
                ("[0,1,2]", "[0,1,2,3]", ids.tolist(), tokens, "input_ids", "input_ids",
                 "layer,batch,head,query,key"))

    got, meta = ctx.attnc.dump_attention(so, weights, {"input_ids": ids},
                                         flags=["--layers", "2,0", "--heads", "3,1"])
    subset = ref[[2, 0]][:, :, [3, 1]]
    check.probabilities("gpt2", "layers=2,0 heads=3,1", got["attention.0"], subset,
                        causal_mask(11, 11))
    check.equal("gpt2", "selection metadata",
                (meta["attention.0.layers"], meta["attention.0.heads"]), ("[2,0]", "[3,1]"))

    # Batch 3 of 257 tokens: more than any block of the attention kernels.
    ids = harness.seeded(13).integers(0, config["vocab_size"], (3, 257), dtype=np.int64)
    with mha_weights() as recorded:
        model(torch.from_numpy(ids))
    ref = stacked(recorded, [block.attn for block in model.h])
    got, _ = ctx.attnc.dump_attention(so, weights, {"input_ids": ids})
    check.probabilities("gpt2", "all layers,batch=3,seq=257", got["attention.0"], ref,
                        causal_mask(257, 257))


def check_bert(ctx, check):
    config = dict(vocab_size=101, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=64, max_position_embeddings=64, type_vocab_size=2)
    harness.seeded(4)
    model = harness.randomize_(bert_ref.Bert(**config)).eval()
    weights = ctx.attnc.save_weights("attn-bert", model.checkpoint())
    so = ctx.attnc.compile(harness.example("bert.attn"), config, DEBUG)
    batch, seq, lengths = 3, 10, [10, 6, 1]
    ids = harness.seeded(5).integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
    mask = (np.arange(seq)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
    # Grad mode keeps nn.TransformerEncoderLayer off its fused path, which
    # would not call self_attn.
    with mha_weights() as recorded:
        model(torch.from_numpy(ids), torch.from_numpy(mask))
    ref = stacked(recorded, [layer.self_attn for layer in model.layers])
    got, _ = ctx.attnc.dump_attention(so, weights, {"input_ids": ids, "attention_mask": mask})
    padding = (mask == 0)[None, :, None, None, :]
    check.probabilities("bert", "padded,batch=3,seq=10", got["attention.0"], ref, padding)


def check_llama(ctx, check):
    base = dict(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                num_attention_heads=4)
    rng = harness.seeded(7)
    for n, (variant, kv_heads, batch, seq) in enumerate([("gqa 4/2 heads", 2, 1, 12),
                                                          ("mqa 4/1 heads", 1, 3, 9)]):
        config = dict(base, num_key_value_heads=kv_heads)
        harness.seeded(6 + 10 * n)
        model = harness.randomize_(llama_ref.Llama(**config)).eval()
        weights = ctx.attnc.save_weights(f"attn-llama-{n}", model.checkpoint())
        so = ctx.attnc.compile(harness.example("llama.attn"), config, DEBUG)
        ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
        with torch.no_grad(), softmax_weights() as recorded:
            model(torch.from_numpy(ids))
        ref = harness.to_numpy(torch.stack(recorded))
        got, _ = ctx.attnc.dump_attention(so, weights, {"input_ids": ids})
        check.probabilities("llama", f"{variant},batch={batch},seq={seq}", got["attention.0"],
                            ref, causal_mask(seq, seq))
    # --heads counts query heads, also when several share a key/value head.
    got, meta = ctx.attnc.dump_attention(so, weights, {"input_ids": ids},
                                         flags=["--layers", "1", "--heads", "3,0"])
    check.probabilities("llama", "mqa layers=1 heads=3,0", got["attention.0"],
                        ref[[1]][:, :, [3, 0]], causal_mask(seq, seq))


def check_mistral(ctx, check):
    """llama.attn with Mistral's sliding window of 4 keys: the keys before a
    query's window are masked entries, exactly 0."""
    config = dict(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, sliding_window=4)
    harness.seeded(8)
    model = harness.randomize_(llama_ref.Llama(**config)).eval()
    weights = ctx.attnc.save_weights("attn-mistral", model.checkpoint())
    so = ctx.attnc.compile(harness.example("llama.attn"), config, DEBUG)
    batch, seq = 2, 13
    ids = harness.seeded(9).integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
    with torch.no_grad(), softmax_weights() as recorded:
        model(torch.from_numpy(ids))
    ref = harness.to_numpy(torch.stack(recorded))
    got, _ = ctx.attnc.dump_attention(so, weights, {"input_ids": ids})
    i = np.arange(seq)[:, None]
    j = np.arange(seq)[None, :]
    check.probabilities("mistral", f"window=4,batch={batch},seq={seq}", got["attention.0"],
                        ref, causal_mask(seq, seq) | (j <= i - 4))


def translator_run(ctx, name, layers, seed, src_shape, tgt_shape):
    """A seeded translator with (encoder, decoder) `layers`, its weights
    saved as `name` and its debug build compiled, run by PyTorch on seeded
    source and target ids with the attention weights recorded."""
    config = dict(src_vocab_size=101, tgt_vocab_size=89, d_model=32, nhead=4,
                  num_encoder_layers=layers[0], num_decoder_layers=layers[1],
                  dim_feedforward=64)
    harness.seeded(seed)
    model = harness.randomize_(translator_ref.Translator(**config)).eval()
    weights = ctx.attnc.save_weights(name, model.checkpoint())
    so = ctx.attnc.compile(harness.example("translator.attn"), config, DEBUG)
    rng = harness.seeded(seed + 1)
    src = rng.integers(0, config["src_vocab_size"], src_shape, dtype=np.int64)
    tgt = rng.integers(0, config["tgt_vocab_size"], tgt_shape, dtype=np.int64)
    with mha_weights() as recorded:
        model(torch.from_numpy(src), torch.from_numpy(tgt))
    return model.transformer, so, weights, src, tgt, recorded


def check_translator(ctx, check):
    t, so, weights, src, tgt, recorded = translator_run(
        ctx, "attn-translator", (2, 2), 8, (2, 7), (2, 5))
    sites = [
        ("encoder self", [layer.self_attn for layer in t.encoder.layers], "src_ids", "src_ids",
         np.zeros((7, 7), dtype=bool)),
        ("decoder self", [layer.self_attn for layer in t.decoder.layers], "tgt_ids", "tgt_ids",
         causal_mask(5, 5)),
        ("cross", [layer.multihead_attn for layer in t.decoder.layers], "tgt_ids", "src_ids",
         np.zeros((5, 7), dtype=bool)),
    ]
    got, meta = ctx.attnc.dump_attention(so, weights, {"src_ids": src, "tgt_ids": tgt})
    for n, (label, modules, queries, keys, masked) in enumerate(sites):
        name = f"attention.{n}"
        check.probabilities("translator", label, got[name], stacked(recorded, modules), masked)
        check.equal("translator", f"{label} tokens",
                    (meta.get(f"{name}.queries"), meta.get(f"{name}.keys")), (queries, keys))


def check_translator_uneven(ctx, check):
    """3 encoder layers, 1 decoder layer: --layers picks, in each site, the
    listed layers it has, and leaves out a site that has none of them."""
    t, so, weights, src, tgt, recorded = translator_run(
        ctx, "attn-translator-3-1", (3, 1), 10, (3, 6), (3, 4))
    encoder = stacked(recorded, [layer.self_attn for layer in t.encoder.layers])
    cross = stacked(recorded, [layer.multihead_attn for layer in t.decoder.layers])
    inputs = {"src_ids": src, "tgt_ids": tgt}

    got, meta = ctx.attnc.dump_attention(so, weights, inputs, flags=["--layers", "2"])
    check.equal("translator 3+1 layers", "--layers 2: the encoder's site only",
                (sorted(got), meta.get("attention.0.layers")), (["attention.0"], "[2]"))
    check.probabilities("translator 3+1 layers", "encoder layer 2", got["attention.0"],
                        encoder[[2]], np.zeros((6, 6), dtype=bool))

    got, meta = ctx.attnc.dump_attention(so, weights, inputs,
                                         flags=["--layers", "2,0", "--heads", "1"])
    check.equal("translator 3+1 layers", "--layers 2,0: each site's",
                [meta.get(f"attention.{n}.layers") for n in range(3)], ["[2,0]", "[0]", "[0]"])
    check.probabilities("translator 3+1 layers", "cross layer 0 head 1", got["attention.2"],
                        cross[:, :, [1]], np.zeros((4, 6), dtype=bool))


CHECKS = [check_mha, check_gpt2, check_bert, check_llama, check_mistral, check_translator,
          check_translator_uneven]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="where to keep models and tensors "
                        "(default: a temporary directory, removed afterwards)")
    parser.add_argument("--attnc", default="attnc", help="the attnc binary (default: from PATH)")
    by_name = {fn.__name__.removeprefix("check_"): fn for fn in CHECKS}
    parser.add_argument("--only", nargs="+", choices=by_name, metavar="CHECK",
                        help=f"run only these checks: {', '.join(by_name)} (default: all)")
    args = parser.parse_args()
    report = harness.Report()
    check = Checker(report)
    with tempfile.TemporaryDirectory(prefix="attnc-attention-") as tmp:
        ctx = argparse.Namespace(attnc=harness.Attnc(args.workdir or tmp, args.attnc))
        for fn in [by_name[n] for n in args.only] if args.only else CHECKS:
            try:
                fn(ctx, check)
            except Exception:  # A harness bug must fail the run, not hide checks.
                report.fail("attention", fn.__name__, "-", traceback.format_exc())
    report.summary()
    return 1 if report.failures or report.lines == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
