"""examples/bloom.attn against BLOOM written from torch.nn modules, as Hugging
Face's modeling_bloom.py computes it: the embedding's layer norm, a fused
query/key/value projection laid out [heads, 3, head_dim] per row block,
ALiBi biases (build_alibi_tensor's slopes times the key position) added to
the scaled scores, the causal mask as finfo.min, tanh GELU, tied lm_head.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import harness


def alibi_slopes(heads):
    """transformers' build_alibi_tensor, in float32 as it computes them."""
    closest = 2 ** math.floor(math.log2(heads))
    base = torch.tensor(2 ** (-(2 ** -(math.log2(closest) - 3))), dtype=torch.float32)
    slopes = torch.pow(base, torch.arange(1, 1 + closest, dtype=torch.int32))
    if closest != heads:
        extra_base = torch.tensor(2 ** (-(2 ** -(math.log2(2 * closest) - 3))),
                                  dtype=torch.float32)
        remaining = min(closest, heads - closest)
        extra = torch.pow(extra_base, torch.arange(1, 1 + 2 * remaining, 2, dtype=torch.int32))
        slopes = torch.cat([slopes, extra])
    return slopes


class Block(nn.Module):
    def __init__(self, hidden, heads, eps):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.input_layernorm = nn.LayerNorm(hidden, eps=eps)
        self.query_key_value = nn.Linear(hidden, 3 * hidden)
        self.dense = nn.Linear(hidden, hidden)
        self.post_attention_layernorm = nn.LayerNorm(hidden, eps=eps)
        self.dense_h_to_4h = nn.Linear(hidden, 4 * hidden)
        self.dense_4h_to_h = nn.Linear(4 * hidden, hidden)

    def attention(self, h):
        b, s, _ = h.shape
        fused = self.query_key_value(h).view(b, s, self.heads, 3, self.head_dim)
        q, k, v = (fused[..., n, :].transpose(1, 2) for n in range(3))  # [b, heads, s, d]
        k, v = harness.cached_kv(k), harness.cached_kv(v)
        alibi = alibi_slopes(self.heads)[:, None, None] * torch.arange(s, dtype=torch.float32)
        scores = alibi + (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        future = torch.triu(torch.ones(s, s, dtype=torch.bool), 1)
        scores = scores.masked_fill(future, torch.finfo(scores.dtype).min)
        a = F.softmax(scores, dim=-1) @ v
        return self.dense(a.transpose(1, 2).reshape(b, s, self.heads * self.head_dim))

    def forward(self, x):
        x = x + self.attention(self.input_layernorm(x))
        m = self.post_attention_layernorm(x)
        return x + self.dense_4h_to_h(F.gelu(self.dense_h_to_4h(m), approximate="tanh"))


class Bloom(nn.Module):
    """BloomForCausalLM (apply_residual_connection_post_layernorm false)."""

    def __init__(self, vocab_size, hidden_size, n_layer, n_head, layer_norm_epsilon=1e-5):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
        self.word_embeddings_layernorm = nn.LayerNorm(hidden_size, eps=layer_norm_epsilon)
        self.h = nn.ModuleList(Block(hidden_size, n_head, layer_norm_epsilon)
                               for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(hidden_size, eps=layer_norm_epsilon)

    def forward(self, ids):
        x = self.word_embeddings_layernorm(self.word_embeddings(ids))
        for block in self.h:
            x = block(x)
        # Tied lm_head.
        return F.linear(self.ln_f(x), self.word_embeddings.weight)

    def checkpoint(self):
        """Hugging Face BloomForCausalLM names (transformer. prefix, no
        lm_head.weight: it is tied)."""
        t = {}
        for name, p in self.named_parameters():
            parts = name.split(".")
            if parts[0] == "h":
                group = {"query_key_value": "self_attention.", "dense": "self_attention.",
                         "dense_h_to_4h": "mlp.", "dense_4h_to_h": "mlp."}.get(parts[2], "")
                name = f"h.{parts[1]}.{group}{'.'.join(parts[2:])}"
            t["transformer." + name] = p
        return harness.state_dict(t)


def logits(model, ids):
    with torch.no_grad():
        return harness.to_numpy(model(torch.from_numpy(ids)))


def small_model(seed, **overrides):
    config = dict(dict(vocab_size=103, hidden_size=64, n_layer=2, n_head=4), **overrides)
    harness.seeded(seed)
    return config, harness.randomize_(Bloom(**config)).eval()


def run(ctx):
    # 4 heads (slopes of a power of two) and 6 (two of the interleaved extra
    # slopes), batch 1 and 3, sequences past a key block and a tile.
    for n, (variant, overrides, shapes) in enumerate([
            ("4 heads", dict(), [(1, 1), (3, 17), (1, 257)]),
            ("6 heads", dict(n_head=6, hidden_size=48), [(2, 40)])]):
        config, model = small_model(100 + n, **overrides)
        weights = ctx.attnc.save_weights(f"bloom-{n}", model.checkpoint())
        harness.round_stored_(model)
        so = ctx.attnc.compile(harness.example("bloom.attn"), config)
        rng = harness.seeded(110 + n)
        for batch, seq in shapes:
            ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
            out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="bloom")
            ctx.report.compare("bloom", "small", f"{variant},batch={batch},seq={seq}",
                               out["logits"], logits(model, ids))
        if n == 0:
            def attnc_step(ids):
                return ctx.attnc.run(so, weights, {"input_ids": ids}, tag="bloom-greedy")["logits"]

            prompt = rng.integers(0, config["vocab_size"], 5).tolist()
            harness.check_greedy(ctx.report, "bloom", "small", attnc_step,
                                 lambda ids: logits(model, ids), prompt, variant=f"{variant},")
