#!/usr/bin/env python3
"""Trains the tiny character-level GPT on corpus.txt (CPU, seeded) and writes
tiny-gpt.safetensors and config.json next to this script.

    python3 examples/tiny-gpt/train.py [--steps N] [--threads T]

Byte-level vocabulary: token id i is byte i. 4 layers, 2 heads of 32, width
64, context 128: 0.2 M parameters. Takes 3 to 8 minutes on one core,
depending on how busy the machine is; the result depends only on the seed.
"""
import argparse
import json
import math
import os
import time

# BLAS threads on top of PyTorch's own threads oversubscribe a small machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

import model as gpt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=6e-3)
    # One thread is as fast as two on a busy machine, and the result does
    # not depend on how reductions are split between threads.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-head", type=int, default=2)
    parser.add_argument("--n-embd", type=int, default=64)
    parser.add_argument("--n-positions", type=int, default=128)
    parser.add_argument("--out", default=HERE)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    config = gpt.Config(n_layer=args.n_layer, n_head=args.n_head,
                        n_embd=args.n_embd, n_positions=args.n_positions)
    with open(os.path.join(HERE, "corpus.txt"), "rb") as f:
        data = torch.tensor(list(f.read()), dtype=torch.long)
    block = config.n_positions
    model = gpt.GPT(config)
    model.init_weights()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95))
    generator = torch.Generator().manual_seed(args.seed)
    warmup = 50
    start = time.time()
    for step in range(args.steps):
        lr = args.lr * min(1.0, (step + 1) / warmup) * 0.5 * (
            1 + math.cos(math.pi * step / args.steps))
        for group in optimizer.param_groups:
            group["lr"] = lr
        offsets = torch.randint(len(data) - block - 1, (args.batch,),
                                generator=generator)
        x = torch.stack([data[o:o + block] for o in offsets])
        y = torch.stack([data[o + 1:o + block + 1] for o in offsets])
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(
            logits.view(-1, config.vocab_size), y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {loss.item():.3f}  lr {lr:.2e}  "
                  f"{time.time() - start:.0f} s", flush=True)

    os.makedirs(args.out, exist_ok=True)
    gpt.save_safetensors(os.path.join(args.out, "tiny-gpt.safetensors"),
                         model.state_dict(), {"format": "pt"})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config.to_json(), f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}/tiny-gpt.safetensors and config.json")


if __name__ == "__main__":
    main()
