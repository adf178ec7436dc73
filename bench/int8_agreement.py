#!/usr/bin/python3
"""Reports (does not assert) how close int8 weights keep the trained tiny GPT
(examples/tiny-gpt) to its f32 self, and whether what attnc computes is the
quantization's error or a bug.

attnc (compiled f32 and with --weight-type) is measured by: the max logit error
over the first WINDOWS x 128 characters of the corpus; the share of those
positions whose next character (the largest logit) is the same as f32's, each
given the corpus's own context ("top-1"); and how many of 100 greedily
generated characters agree, with the f32 top-1/top-2 gap where they first
differ (greedy text diverges for good at the first near-tie, so it measures
luck as much as accuracy). The same figures are computed for PyTorch
emulations of the same model with its matrix weights rounded to bf16, or
quantized as docs/abi.md says with a scale per 32, 16 or 8 inputs of each
output row, or per whole row. attnc's int8 against the emulation with
blocks of 32 separates a bug (a logit difference well above f32 rounding, a
different text) from the quantization's own error.

usage: /usr/bin/python3 bench/int8_agreement.py [--attnc build/bin/attnc] [--weight-type int8]
"""
import argparse
import copy
import json
import os
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = os.path.join(ROOT, "examples", "tiny-gpt")
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
sys.path.insert(0, TINY)
import harness  # noqa: E402
import model as gpt  # noqa: E402

PROMPT = "The keeper"
NEW_TOKENS = 100
WINDOWS = 16  # of the context's 128 characters


def corpus_windows(context):
    with open(os.path.join(TINY, "corpus.txt"), "rb") as f:
        data = f.read()[:WINDOWS * context]
    return np.frombuffer(data, dtype=np.uint8).astype(np.int64).reshape(WINDOWS, context)


def emulation(model, round_weight):
    """`model`'s forward with every linear weight and both embedding tables
    (wte also where the tied logits projection reads it) replaced by
    round_weight([out, in]), as attnc stores them."""
    v = copy.deepcopy(model)
    with torch.no_grad():
        for block in v.h:
            for conv in (block.attn.c_attn, block.attn.c_proj, block.mlp.c_fc, block.mlp.c_proj):
                conv.weight.copy_(round_weight(conv.weight.T.contiguous()).T)
        for table in (v.wte, v.wpe):
            table.weight.copy_(round_weight(table.weight.clone()))
        head = v.wte.weight

    @torch.no_grad()
    def forward(ids):
        x = v.wte(ids) + v.wpe(torch.arange(ids.shape[1]))
        for block in v.h:
            x = block(x)
        return (v.ln_f(x) @ head.T).numpy()
    return forward


def greedy_text(forward):
    ids = list(PROMPT.encode())
    for _ in range(NEW_TOKENS):
        ids.append(int(np.argmax(forward(torch.tensor([ids]))[0, -1])))
    return bytes(ids[len(PROMPT):]).decode("utf-8", errors="replace")


def compare(name, logits, text, ref_logits, ref_text, ref_forward):
    err = np.abs(logits.astype(np.float64) - ref_logits).max()
    top1 = np.mean(logits.argmax(-1) == ref_logits.argmax(-1))
    prefix = 0
    while prefix < min(len(text), len(ref_text)) and text[prefix] == ref_text[prefix]:
        prefix += 1
    same = sum(a == b for a, b in zip(text, ref_text))
    gap = ""
    if prefix < len(ref_text):
        ids = torch.tensor([list((PROMPT + ref_text[:prefix]).encode())])
        top2 = np.sort(ref_forward(ids)[0, -1])[-2:]
        gap = f"{top2[1] - top2[0]:.3f}"
    print(f"| {name} | {err:.3f} | {err / np.abs(ref_logits).max():.2%} | "
          f"{top1:.2%} | {same} | {prefix} | {gap or '-'} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attnc", default=os.path.join(ROOT, "build", "bin", "attnc"))
    parser.add_argument("--weight-type", default="int8")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = gpt.load(TINY)
    weights = os.path.join(TINY, "tiny-gpt.safetensors")
    ids = corpus_windows(model.config.n_positions)
    attnc_results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("f32", args.weight_type):
            attnc = harness.Attnc(os.path.join(tmp, kind), args.attnc,
                                  compile_flags=[f"--weight-type={kind}"])
            so = attnc.compile(os.path.join(ROOT, "examples", "tiny-gpt.attn"), {})
            logits = attnc.run(so, weights, {"input_ids": ids}, tag=kind)["logits"]
            text = json.loads(attnc.call(
                ["generate", so, "--weights", weights, "--prompt", PROMPT,
                 "--max-new-tokens", str(NEW_TOKENS), "--json"]))["text"]
            attnc_results[kind] = (logits, text)

    emulated = {
        "bf16": lambda w: w.to(torch.bfloat16).to(torch.float32),
        "int8, 32 per scale": harness.quantize_int8,
        "int8, 16 per scale": lambda w: harness.quantize_int8(w, 16),
        "int8, 8 per scale": lambda w: harness.quantize_int8(w, 8),
        "int8, a scale per row": lambda w: harness.quantize_int8(w, None),
    }
    ref_forward = emulation(model, lambda w: w)
    ref_logits, ref_text = attnc_results["f32"]
    print(f"tiny GPT against attnc f32: {WINDOWS} x {model.config.n_positions} corpus "
          f"characters (max |logit| {np.abs(ref_logits).max():.3g}), greedy {NEW_TOKENS} "
          f"characters after {PROMPT!r}\n")
    print("| weights | max logit error | of max logit | top-1 same | greedy same "
          "| first identical | f32 gap there |\n|---|---|---|---|---|---|---|")
    got_logits, got_text = attnc_results[args.weight_type]
    compare(f"attnc {args.weight_type}", got_logits, got_text, ref_logits, ref_text, ref_forward)
    outputs = {}
    for name, round_weight in emulated.items():
        forward = emulation(model, round_weight)
        outputs[name] = (forward(torch.from_numpy(ids)), greedy_text(forward))
        compare(f"PyTorch {name}", *outputs[name], ref_logits, ref_text, ref_forward)

    twin = {"int8": "int8, 32 per scale", "bf16": "bf16"}.get(args.weight_type)
    if twin:
        diff = np.abs(got_logits.astype(np.float64) - outputs[twin][0]).max()
        print(f"\nattnc {args.weight_type} against PyTorch {twin}: max logit difference "
              f"{diff:.3g}; greedy text {'identical' if got_text == outputs[twin][1] else 'DIFFERENT'}")
    print(f"\n  f32:  {ref_text!r}\n  {args.weight_type}: {got_text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
