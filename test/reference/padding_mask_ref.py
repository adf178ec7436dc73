"""attention(..., mask = m) against Hugging Face's additive padding mask:
scores + (1 - m) * finfo(f32).min, then softmax. A row whose keys are all
padding therefore averages every key it may see (uniform weights), as
BertModel's does; it must never be NaN. Checked through both lowerings
(split-KV decode for up to 16 queries, the tiled flash form above), with
i64 and f32 masks, with and without a causal mask; and the same spelled
out with padding_mask(), fused (identical outputs) and not (--fuse=false).
"""

import math

import numpy as np
import torch

import harness

MODEL = """
model padded {
  const d = 32
  const h = 4
  const causal = 0
  dim batch, seq
  input x : f32[batch, seq, d]
  input mask_i : i64[batch, seq]
  input mask_f : f32[batch, seq]
  param wq : f32[d, d] from "wq"
  param wk : f32[d, d] from "wk"
  param wv : f32[d, d] from "wv"
  let q = linear(x, wq)
  let k = linear(x, wk)
  let v = linear(x, wv)
  output by_int = attention(q, k, v, heads = h, mask = mask_i, causal = causal)
  output by_float = attention(q, k, v, heads = h, mask = mask_f, causal = causal)
  let s = split_heads(q, h) @ split_heads(k, h)^T * (1.0 / sqrt(d / h))
  output spelled = merge_heads(softmax(padding_mask(causal == 1 ? causal_mask(s) : s, mask_i))
                               @ split_heads(v, h))
}
"""

D, H = 32, 4


def reference(weights, x, mask, causal):
    w = {name: torch.from_numpy(a).double() for name, a in weights.items()}
    x = torch.from_numpy(x).double()
    b, s, _ = x.shape
    q, k, v = [(x @ w[n].T).view(b, s, H, D // H).transpose(1, 2) for n in ("wq", "wk", "wv")]
    scores = q @ k.transpose(-1, -2) / math.sqrt(D // H)
    scores = scores + (1.0 - torch.from_numpy(mask).double())[:, None, None, :] \
        * float(np.finfo(np.float32).min)
    if causal:
        future = torch.triu(torch.ones(s, s, dtype=torch.bool), 1)
        scores = scores.masked_fill(future, float("-inf"))
    return (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, s, D).numpy()


def run(ctx):
    rng = harness.seeded(11)
    model = ctx.attnc.path("padded.attn")
    with open(model, "w") as f:
        f.write(MODEL)
    weights = {n: (rng.standard_normal((D, D)) / math.sqrt(D)).astype(np.float32)
               for n in ("wq", "wk", "wv")}
    weights_path = ctx.attnc.save_weights("padded", weights)
    for causal in (0, 1):
        for flags in ((), ("--fuse=false",)):
            check(ctx, model, weights, weights_path, rng, causal, flags)


def check(ctx, model, weights, weights_path, rng, causal, flags):
    so = ctx.attnc.compile(model, {"causal": causal}, flags)
    variant = f"causal{causal}" + (" unfused" if flags else "")
    for seq in (5, 40):
        x = rng.standard_normal((4, seq, D)).astype(np.float32)
        mask = np.ones((4, seq), dtype=np.int64)
        mask[1, :] = 0                        # all padding
        mask[2, seq // 2:] = 0                # ragged
        mask[3, :seq // 2] = 0                # padding first
        outputs = ctx.attnc.run(so, weights_path, {
            "x": x, "mask_i": mask, "mask_f": mask.astype(np.float32)})
        ref = reference(weights, x, mask, causal)
        for name in ("by_int", "by_float", "spelled"):
            ctx.report.compare("padded", f"seq{seq}", f"{variant} {name}", outputs[name], ref)
        if not flags:  # fused: both spellings are one attn.attention
            same = np.array_equal(outputs["spelled"], outputs["by_int"])
            ctx.report.line("padded", f"seq{seq}", f"{variant} spelled==call",
                            0.0, 0.0, same, "identical" if same else "differ")
