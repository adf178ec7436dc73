#!/usr/bin/python3
"""Reports (does not assert) how close int8 weights keep the trained tiny GPT
(examples/tiny-gpt) to its f32 self: the max logit error over a sentence of
its corpus, and how many of 100 greedily generated characters agree.

usage: /usr/bin/python3 bench/int8_agreement.py [--attnc build/bin/attnc] [--weight-type int8]
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
import harness  # noqa: E402

SENTENCE = "The keeper lived in a small stone house."
PROMPT = "The keeper"
NEW_TOKENS = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attnc", default=os.path.join(ROOT, "build", "bin", "attnc"))
    parser.add_argument("--weight-type", default="int8")
    args = parser.parse_args()
    tiny = os.path.join(ROOT, "examples", "tiny-gpt")
    weights = os.path.join(tiny, "tiny-gpt.safetensors")
    source = os.path.join(ROOT, "examples", "tiny-gpt.attn")
    ids = np.array([list(SENTENCE.encode())], dtype=np.int64)
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for kind in ("f32", args.weight_type):
            attnc = harness.Attnc(os.path.join(tmp, kind), args.attnc,
                                  compile_flags=[f"--weight-type={kind}"])
            so = attnc.compile(source, {})
            logits = attnc.run(so, weights, {"input_ids": ids}, tag=kind)["logits"]
            text = json.loads(attnc.call(
                ["generate", so, "--weights", weights, "--prompt", PROMPT,
                 "--max-new-tokens", str(NEW_TOKENS), "--json"]))["text"]
            results[kind] = (logits, text)
    (ref, ref_text), (got, got_text) = results["f32"], results[args.weight_type]
    err = np.abs(got.astype(np.float64) - ref)
    same = sum(a == b for a, b in zip(got_text, ref_text))
    prefix = 0
    while prefix < min(len(got_text), len(ref_text)) and got_text[prefix] == ref_text[prefix]:
        prefix += 1
    print(f"tiny GPT, {args.weight_type} vs f32: max logit error {err.max():.4g} "
          f"(max |logit| {np.abs(ref).max():.4g}, relative {err.max() / np.abs(ref).max():.3g}); "
          f"greedy {NEW_TOKENS} chars: {same}/{len(ref_text)} equal, first {prefix} identical")
    print(f"  f32:  {ref_text!r}\n  {args.weight_type}: {got_text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
