#!/usr/bin/env python3
"""Compares `attnc generate` on a compiled tiny GPT with PyTorch's greedy
generation (generate.py), token for token, for a few prompts.

    attnc compile examples/tiny-gpt.attn -o tiny-gpt.so
    python3 examples/tiny-gpt/compare.py --driver build/bin/attnc --model tiny-gpt.so

Exits with 1 and shows the first difference when they disagree.
"""
import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

import generate  # noqa: E402
import model as gpt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROMPTS = ["The keeper", "In the winter the", "She said that", "T"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--driver", required=True, help="the attnc binary")
    parser.add_argument("--model", required=True, help="the compiled .so")
    parser.add_argument("--weights", default=os.path.join(HERE, "tiny-gpt.safetensors"))
    parser.add_argument("--max-new-tokens", type=int, default=100)
    parser.add_argument("--no-kv-cache", action="store_true",
                        help="pass --no-kv-cache to attnc generate")
    parser.add_argument("prompts", nargs="*", default=PROMPTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    reference = gpt.load(HERE)
    failed = False
    for prompt in args.prompts:
        run = subprocess.run(
            [args.driver, "generate", args.model, "--weights", args.weights,
             "--prompt", prompt, "--max-new-tokens", str(args.max_new_tokens),
             "--json"] + (["--no-kv-cache"] if args.no_kv_cache else []),
            capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{prompt!r}: attnc failed:\n{run.stderr}", file=sys.stderr)
            failed = True
            continue
        ours = json.loads(run.stdout)["tokens"]
        theirs = generate.generate(reference, list(prompt.encode()),
                                   args.max_new_tokens)
        if ours == theirs:
            print(f"{prompt!r}: {len(ours)} tokens agree: "
                  f"{bytes(ours).decode(errors='replace')!r}")
            continue
        failed = True
        at = next(i for i, (a, b) in enumerate(zip(ours + [None], theirs + [None]))
                  if a != b)
        print(f"{prompt!r}: first difference at new token {at}\n"
              f"  attnc:   {bytes(ours).decode(errors='replace')!r}\n"
              f"  PyTorch: {bytes(theirs).decode(errors='replace')!r}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
