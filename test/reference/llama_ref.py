"""examples/llama.attn against a LLaMA decoder written as Hugging Face's
modeling_llama.py computes it: nn.Linear and nn.Embedding, with RMSNorm,
rotary embedding (rotate_half, inv_freq in float32), grouped-query attention
(repeat_kv) and the SwiGLU MLP spelled out, since torch.nn has none of them.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import harness


ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP = ("gate_proj", "up_proj", "down_proj")


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(seq, head_dim, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = torch.outer(torch.arange(seq).float(), inv_freq)  # [seq, head_dim / 2], float32
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def repeat_kv(x, n_rep):
    """[b, kv_heads, s, d] -> [b, kv_heads * n_rep, s, d]: query head h reads
    key/value head h // n_rep."""
    b, kv_heads, s, d = x.shape
    return x[:, :, None].expand(b, kv_heads, n_rep, s, d).reshape(b, kv_heads * n_rep, s, d)


class Layer(nn.Module):
    def __init__(self, hidden, inter, heads, kv_heads, eps, qkv_bias=False, sliding_window=None):
        super().__init__()
        self.sliding_window = sliding_window
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, hidden // heads
        self.input_layernorm = RMSNorm(hidden, eps)
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=qkv_bias)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=qkv_bias)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=qkv_bias)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)
        self.post_attention_layernorm = RMSNorm(hidden, eps)
        self.gate_proj = nn.Linear(hidden, inter, bias=False)
        self.up_proj = nn.Linear(hidden, inter, bias=False)
        self.down_proj = nn.Linear(inter, hidden, bias=False)

    def attention(self, h, cos, sin):
        b, s, _ = h.shape
        q = self.q_proj(h).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = harness.cached_kv(k * cos + rotate_half(k) * sin)
        v = harness.cached_kv(v)
        k = repeat_kv(k, self.heads // self.kv_heads)
        v = repeat_kv(v, self.heads // self.kv_heads)
        scores = q @ k.transpose(2, 3) / math.sqrt(self.head_dim)
        i = torch.arange(s)[:, None]
        j = torch.arange(s)[None, :]
        hidden = j > i
        if self.sliding_window:  # Mistral: kv_idx > q_idx - sliding_window
            hidden = hidden | (j <= i - self.sliding_window)
        scores = scores.masked_fill(hidden, torch.finfo(scores.dtype).min)
        a = F.softmax(scores, dim=-1) @ v
        return self.o_proj(a.transpose(1, 2).reshape(b, s, self.heads * self.head_dim))

    def forward(self, x, cos, sin):
        x = x + self.attention(self.input_layernorm(x), cos, sin)
        m = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(m)) * self.up_proj(m))


class Llama(nn.Module):
    """LlamaForCausalLM; with qkv_bias, Qwen2ForCausalLM (biases on the query,
    key and value projections); with sliding_window, MistralForCausalLM (a
    query sees itself and the sliding_window - 1 keys before it). With
    tie_word_embeddings, lm_head is the embedding table, and the checkpoint
    has no lm_head.weight, as save_pretrained writes it."""

    def __init__(self, vocab_size, hidden_size, intermediate_size, num_hidden_layers,
                 num_attention_heads, num_key_value_heads, rms_norm_eps=1e-6, rope_theta=10000.0,
                 qkv_bias=False, tie_word_embeddings=False, sliding_window=None):
        super().__init__()
        self.theta = rope_theta
        self.head_dim = hidden_size // num_attention_heads
        self.tied = tie_word_embeddings
        self.embed_tokens = nn.Embedding(vocab_size, hidden_size)
        self.layers = nn.ModuleList(
            Layer(hidden_size, intermediate_size, num_attention_heads, num_key_value_heads,
                  rms_norm_eps, qkv_bias, sliding_window) for _ in range(num_hidden_layers))
        self.norm = RMSNorm(hidden_size, rms_norm_eps)
        self.lm_head = nn.Linear(hidden_size, vocab_size, bias=False)
        if self.tied:
            self.lm_head.weight = self.embed_tokens.weight

    def forward(self, ids):
        cos, sin = rope_cos_sin(ids.shape[1], self.head_dim, self.theta)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.norm(x))

    def checkpoint(self):
        """Hugging Face LlamaForCausalLM names."""
        t = {"model.embed_tokens.weight": self.embed_tokens.weight,
             "model.norm.weight": self.norm.weight}
        if not self.tied:
            t["lm_head.weight"] = self.lm_head.weight
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                module = name.split(".")[0]
                group = "self_attn." if module in ATTENTION else "mlp." if module in MLP else ""
                t[f"model.layers.{i}.{group}{name}"] = p
        return harness.state_dict(t)


def logits(model, ids):
    with torch.no_grad():
        return harness.to_numpy(model(torch.from_numpy(ids)))


def run(ctx):
    base = dict(vocab_size=97, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                num_attention_heads=4)
    configs = [
        # (variant prefix, overrides, batches and sequence lengths, greedy)
        ("gqa", dict(num_key_value_heads=2), [(b, s) for b in (1, 3) for s in (1, 5, 64, 257)], True),
        ("mha", dict(num_key_value_heads=4), [(3, 64), (1, 257)], True),
        ("mqa", dict(num_key_value_heads=1), [(3, 64), (1, 257)], False),
        ("mqa,theta=5e5", dict(num_key_value_heads=1, rope_theta=500000.0), [(3, 64)], False),
    ]
    size = "small"
    for n, (prefix, overrides, shapes, greedy) in enumerate(configs):
        config = dict(base, **overrides)
        harness.seeded(10 + n)
        model = harness.randomize_(Llama(**config)).eval()
        weights = ctx.attnc.save_weights(f"llama-{n}", model.checkpoint())
        harness.round_stored_(model)
        so = ctx.attnc.compile(harness.example("llama.attn"), config)
        rng = harness.seeded(20 + n)
        for batch, seq in shapes:
            ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
            out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="llama")
            ctx.report.compare("llama", size, f"{prefix},batch={batch},seq={seq}",
                               out["logits"], logits(model, ids))
        if greedy:
            def attnc_step(ids):
                return ctx.attnc.run(so, weights, {"input_ids": ids}, tag="llama-greedy")["logits"]

            prompt = rng.integers(0, config["vocab_size"], 5).tolist()
            harness.check_greedy(ctx.report, "llama", size, attnc_step,
                                 lambda ids: logits(model, ids), prompt, variant=f"{prefix},")


def run_mistral(ctx):
    """examples/llama.attn with Mistral's sliding_window: S > W (and whole key
    blocks outside the window), W > S, W = 1, grouped-query heads; greedy
    generation well past the window."""
    base = dict(vocab_size=97, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                num_attention_heads=4)
    configs = [
        ("w8,gqa", dict(num_key_value_heads=2, sliding_window=8),
         [(1, 5), (3, 64), (1, 257)], True),
        ("w1,mqa", dict(num_key_value_heads=1, sliding_window=1), [(3, 40)], False),
        ("w300,mha", dict(num_key_value_heads=4, sliding_window=300), [(1, 257)], False),
    ]
    for n, (prefix, overrides, shapes, greedy) in enumerate(configs):
        config = dict(base, **overrides)
        harness.seeded(80 + n)
        model = harness.randomize_(Llama(**config)).eval()
        weights = ctx.attnc.save_weights(f"mistral-{n}", model.checkpoint())
        harness.round_stored_(model)
        so = ctx.attnc.compile(harness.example("llama.attn"), config)
        rng = harness.seeded(90 + n)
        for batch, seq in shapes:
            ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
            out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="mistral")
            ctx.report.compare("mistral", "small", f"{prefix},batch={batch},seq={seq}",
                               out["logits"], logits(model, ids))
        if greedy:
            def attnc_step(ids):
                return ctx.attnc.run(so, weights, {"input_ids": ids}, tag="mistral-greedy")["logits"]

            prompt = rng.integers(0, config["vocab_size"], 5).tolist()
            harness.check_greedy(ctx.report, "mistral", "small", attnc_step,
                                 lambda ids: logits(model, ids), prompt, variant=f"{prefix},")


def run_long_positions(ctx):
    """Rotary angles of far positions: 4096 tokens through one layer, whose
    RoPE takes cos and sin of angles up to 4095 radians (the first frequency
    is 1). attnc's sin and cos reduce their argument in f64 (attnc-approximate-
    math); reduced by multiples of pi/2 in f32 alone, the logits drifted from
    PyTorch's with the position, past 1e-4 of the largest from position 256
    on (3.4e-4 at 2048-4095). Each band of positions is its own check."""
    config = dict(vocab_size=97, hidden_size=64, intermediate_size=160, num_hidden_layers=1,
                  num_attention_heads=4, num_key_value_heads=4)
    harness.seeded(90)
    model = harness.randomize_(Llama(**config)).eval()
    weights = ctx.attnc.save_weights("llama-long", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("llama.attn"), config)
    ids = harness.seeded(91).integers(0, config["vocab_size"], (1, 4096), dtype=np.int64)
    out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="llama-long")["logits"]
    ref = logits(model, ids)
    for first, end in ((0, 256), (256, 1024), (1024, 2048), (2048, 4096)):
        ctx.report.compare("llama", "small", f"positions {first}-{end - 1}",
                           out[:, first:end], ref[:, first:end])


def run_7b_layer(ctx):
    """One decoder layer of LLaMA-7B's shapes (hidden 4096, 32 heads of 128,
    intermediate 11008) with grouped-query attention of 8 key/value heads (as
    LLaMA-2-70B groups them), a vocabulary cut to 1000 and random weights of
    LLaMA's initializer_range (0.02): the real per-layer sizes at 0.8 GB
    rather than 7B's 27 GB."""
    config = dict(vocab_size=1000, hidden_size=4096, intermediate_size=11008,
                  num_hidden_layers=1, num_attention_heads=32, num_key_value_heads=8)
    harness.seeded(7000)
    model = harness.randomize_(Llama(**config), std=0.02).eval()
    weights = ctx.attnc.save_weights("llama-7b-layer", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("llama.attn"), config)
    ids = harness.seeded(7001).integers(0, config["vocab_size"], (2, 9), dtype=np.int64)
    out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="llama-7b-layer")
    ctx.report.compare("llama", "7B-layer", "gqa 32/8 heads,batch=2,seq=9", out["logits"],
                       logits(model, ids))
