"""One LLaMA decoder layer in PyTorch, the peer of
bench/models/llama-block.attn in bench/run.sh: written as Hugging Face's
LlamaDecoderLayer computes it on PyTorch 1.13 (RMSNorm, rotate_half RoPE,
repeat_kv for grouped-query heads, masked softmax attention, SwiGLU MLP),
from torch.nn.Linear.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(n)), eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaLayer(nn.Module):
    def __init__(self, hidden=2048, inter=5632, heads=32, kv_heads=4,
                 eps=1e-5, theta=10000.0):
        super().__init__()
        self.heads, self.kv_heads, self.d = heads, kv_heads, hidden // heads
        self.input_layernorm = RMSNorm(hidden, eps)
        self.q_proj = nn.Linear(hidden, heads * self.d, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.d, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.d, bias=False)
        self.o_proj = nn.Linear(heads * self.d, hidden, bias=False)
        self.post_attention_layernorm = RMSNorm(hidden, eps)
        self.gate_proj = nn.Linear(hidden, inter, bias=False)
        self.up_proj = nn.Linear(hidden, inter, bias=False)
        self.down_proj = nn.Linear(inter, hidden, bias=False)
        self.inv_freq = 1.0 / theta ** (torch.arange(0, self.d, 2).float() / self.d)

    def forward(self, x):
        b, s, e = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, s, self.heads, self.d).transpose(1, 2)
        k = self.k_proj(h).view(b, s, self.kv_heads, self.d).transpose(1, 2)
        v = self.v_proj(h).view(b, s, self.kv_heads, self.d).transpose(1, 2)
        angles = torch.outer(torch.arange(s).float(), self.inv_freq)
        angles = torch.cat((angles, angles), dim=-1)
        cos, sin = angles.cos(), angles.sin()
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        n = self.heads // self.kv_heads
        k, v = k.repeat_interleave(n, dim=1), v.repeat_interleave(n, dim=1)
        scores = q @ k.transpose(-1, -2) / self.d ** 0.5
        future = torch.ones(s, s, dtype=torch.bool).triu(1)
        p = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        a = (p @ v).transpose(1, 2).reshape(b, s, e)
        x = x + self.o_proj(a)
        m = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(m)) * self.up_proj(m))
