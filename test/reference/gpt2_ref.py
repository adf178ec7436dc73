"""examples/gpt2.attn against GPT-2 built from torch.nn modules.

GPT-2's attention is nn.MultiheadAttention exactly: Hugging Face's Conv1D
c_attn ([in, out] = [n_embd, 3 * n_embd], columns q | k | v) is the transpose
of in_proj_weight ([3 * n_embd, n_embd], rows q | k | v), and likewise for
c_proj, c_fc and mlp.c_proj against nn.Linear's [out, in].
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import harness


class Block(nn.Module):
    def __init__(self, n_embd, n_head, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=eps)
        self.attn = nn.MultiheadAttention(n_embd, n_head, batch_first=True)
        self.ln_2 = nn.LayerNorm(n_embd, eps=eps)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x, causal_mask):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=causal_mask, need_weights=False)[0]
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT2(nn.Module):
    def __init__(self, vocab_size, n_positions, n_embd, n_layer, n_head, eps=1e-5):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head, eps) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd, eps=eps)

    def forward(self, ids):
        seq = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(seq))
        causal_mask = torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1)
        for block in self.h:
            x = block(x, causal_mask)
        # Tied output projection.
        return F.linear(self.ln_f(x), self.wte.weight)

    def checkpoint(self, prefix=""):
        """Hugging Face GPT2LMHeadModel names; Conv1D weights stored [in, out]."""
        t = {"wte.weight": self.wte.weight, "wpe.weight": self.wpe.weight,
             "ln_f.weight": self.ln_f.weight, "ln_f.bias": self.ln_f.bias}
        for i, b in enumerate(self.h):
            t.update({
                f"h.{i}.ln_1.weight": b.ln_1.weight, f"h.{i}.ln_1.bias": b.ln_1.bias,
                f"h.{i}.attn.c_attn.weight": b.attn.in_proj_weight.t(),
                f"h.{i}.attn.c_attn.bias": b.attn.in_proj_bias,
                f"h.{i}.attn.c_proj.weight": b.attn.out_proj.weight.t(),
                f"h.{i}.attn.c_proj.bias": b.attn.out_proj.bias,
                f"h.{i}.ln_2.weight": b.ln_2.weight, f"h.{i}.ln_2.bias": b.ln_2.bias,
                f"h.{i}.mlp.c_fc.weight": b.c_fc.weight.t(), f"h.{i}.mlp.c_fc.bias": b.c_fc.bias,
                f"h.{i}.mlp.c_proj.weight": b.c_proj.weight.t(),
                f"h.{i}.mlp.c_proj.bias": b.c_proj.bias,
            })
        return harness.state_dict({prefix + k: v for k, v in t.items()})


def logits(model, ids):
    with torch.no_grad():
        return harness.to_numpy(model(torch.from_numpy(ids)))


def run_small(ctx):
    config = dict(vocab_size=257, n_positions=320, n_embd=64, n_layer=2, n_head=4)
    size = "small"
    harness.seeded(2)
    model = harness.randomize_(GPT2(**config)).eval()
    weights = ctx.attnc.save_weights("gpt2-small", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("gpt2.attn"), config)
    rng = harness.seeded(3)
    for batch in (1, 3):
        for seq in (1, 5, 64, 257):
            ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
            out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="gpt2")
            ctx.report.compare("gpt2", size, f"batch={batch},seq={seq}", out["logits"],
                               logits(model, ids))

    def attnc_step(ids):
        return ctx.attnc.run(so, weights, {"input_ids": ids}, tag="gpt2-greedy")["logits"]

    prompt = rng.integers(0, config["vocab_size"], 5).tolist()
    harness.check_greedy(ctx.report, "gpt2", size, attnc_step, lambda ids: logits(model, ids),
                         prompt)


def run_124m(ctx):
    """The real GPT-2 shapes (the .attn defaults), random weights of GPT-2's
    initializer_range (0.02), one short sequence."""
    harness.seeded(124)
    model = harness.randomize_(GPT2(50257, 1024, 768, 12, 12), std=0.02).eval()
    weights = ctx.attnc.save_weights("gpt2-124m", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("gpt2.attn"), {})
    ids = harness.seeded(125).integers(0, 50257, (1, 8), dtype=np.int64)
    out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="gpt2-124m")
    ctx.report.compare("gpt2", "124M", "batch=1,seq=8", out["logits"], logits(model, ids))
