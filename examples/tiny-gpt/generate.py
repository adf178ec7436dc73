#!/usr/bin/env python3
"""Greedy generation with the tiny GPT in PyTorch: the reference that
`attnc generate` is compared with, token for token.

    python3 examples/tiny-gpt/generate.py --prompt "The keeper" --max-new-tokens 100 [--json]

Prints the prompt and its continuation, or with --json one object
{"tokens": [...], "text": ...} holding only the new tokens, as attnc does.
Token id i is byte i; each step runs the whole sequence, and the next token
is the largest logit (the lowest id among equals), as attnc's greedy sampler.
"""
import argparse
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

import model as gpt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


@torch.no_grad()
def generate(model, prompt_ids, max_new_tokens):
    context = model.config.n_positions
    if len(prompt_ids) + max_new_tokens > context:
        raise SystemExit(f"error: {len(prompt_ids)} prompt tokens and "
                         f"{max_new_tokens} new tokens exceed the context of "
                         f"{context}")
    ids = list(prompt_ids)
    for _ in range(max_new_tokens):
        logits = model(torch.tensor([ids]))[0, -1]
        ids.append(int(torch.argmax(logits)))
    return ids[len(prompt_ids):]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--max-new-tokens", type=int, default=100)
    parser.add_argument("--model-dir", default=HERE)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = gpt.load(args.model_dir)
    prompt = list(args.prompt.encode("utf-8"))
    if not prompt:
        raise SystemExit("error: the prompt is empty")
    tokens = generate(model, prompt, args.max_new_tokens)
    text = bytes(tokens).decode("utf-8", errors="replace")
    if args.json:
        print(json.dumps({"tokens": tokens, "text": text}))
    else:
        sys.stdout.write(args.prompt + text + "\n")


if __name__ == "__main__":
    main()
