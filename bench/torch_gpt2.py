"""GPT-2 in PyTorch from torch.nn building blocks, the peer of
bench/models/gpt2-block.attn and examples/gpt2.attn in bench/run.sh.

Submodules are named as Hugging Face's GPT-2 (h.0.attn.c_attn, ...), so a
state dict with HF tensor names loads with load_hf() (Conv1D weights are
stored [in, out]; nn.Linear wants [out, in]). The attention is written out
(matmul, masked softmax, matmul) as HF's GPT-2 does on PyTorch 1.13, or is
PyTorch 2's fused scaled_dot_product_attention where there is one (as HF's
GPT-2 uses there), and keys and values are cached past_key_values-style:
concatenated per step.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def causal_attention(q, k, v):
    """q [b, h, t, d], k and v [b, h, T, d] with T >= t: query i sits at
    position T - t + i and sees keys 0 ..= T - t + i."""
    t, total = q.shape[-2], k.shape[-2]
    # sdpa's is_causal aligns the mask top-left: right only for t == total,
    # and a single query sees every key.
    if hasattr(F, "scaled_dot_product_attention") and t in (1, total):
        return F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
    scores = q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5
    if t > 1:
        mask = torch.ones(t, total, dtype=torch.bool).triu(total - t + 1)
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


class Block(nn.Module):
    """One pre-norm decoder layer: fused QKV, tanh-GELU MLP."""

    def __init__(self, n_embd=768, n_head=12, eps=1e-5):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(n_embd, eps=eps)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.attn.c_proj = nn.Linear(n_embd, n_embd)
        self.ln_2 = nn.LayerNorm(n_embd, eps=eps)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.mlp.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x, past=None):
        b, t, e = x.shape
        heads = (z.view(b, t, self.n_head, e // self.n_head).transpose(1, 2)
                 for z in self.attn.c_attn(self.ln_1(x)).split(e, dim=2))
        q, k, v = heads
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        a = causal_attention(q, k, v).transpose(1, 2).reshape(b, t, e)
        x = x + self.attn.c_proj(a)
        m = self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))
        return x + m, (k, v)


class GPT2(nn.Module):
    """Embeddings, n_layer blocks, final layer norm, tied logits."""

    def __init__(self, vocab_size=50257, n_positions=1024, n_embd=768,
                 n_layer=12, n_head=12):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd, eps=1e-5)

    def forward(self, ids, past=None):
        start = past[0][0].shape[2] if past else 0
        pos = torch.arange(start, start + ids.shape[1])
        x = self.wte(ids) + self.wpe(pos)
        present = []
        for i, block in enumerate(self.h):
            x, kv = block(x, past[i] if past else None)
            present.append(kv)
        return F.linear(self.ln_f(x), self.wte.weight), present


def load_hf(module, tensors):
    """Copies HF-named tensors into `module`; Linear weights transposed."""
    linears = {n + ".weight" for n, m in module.named_modules()
               if isinstance(m, nn.Linear)}
    state = {}
    for name, value in module.state_dict().items():
        t = tensors[name]
        state[name] = t.t() if name in linears else t
        if state[name].shape != value.shape:
            raise ValueError(f"{name}: expected {tuple(value.shape)}, "
                             f"found {tuple(t.shape)}")
    module.load_state_dict(state)
