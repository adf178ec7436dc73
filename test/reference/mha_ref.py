"""examples/mha.attn and mha_explicit.attn against torch.nn.MultiheadAttention."""

import torch
from torch import nn

import harness


def checkpoint(mha):
    """mha.attn's tensor names: nn.MultiheadAttention packs q, k, v as the
    three row blocks of in_proj_weight ([3 * d, d], [out, in])."""
    wq, wk, wv = mha.in_proj_weight.chunk(3, dim=0)
    bq, bk, bv = mha.in_proj_bias.chunk(3, dim=0)
    return harness.state_dict({
        "attn.q_proj.weight": wq, "attn.q_proj.bias": bq,
        "attn.k_proj.weight": wk, "attn.k_proj.bias": bk,
        "attn.v_proj.weight": wv, "attn.v_proj.bias": bv,
        "attn.out_proj.weight": mha.out_proj.weight, "attn.out_proj.bias": mha.out_proj.bias,
    })


def forward(mha, x, causal):
    seq = x.shape[1]
    # True above the diagonal: key j > query i is not attended to.
    mask = torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1) if causal else None
    with torch.no_grad():
        y, _ = mha(x, x, x, attn_mask=mask, need_weights=False)
    return harness.to_numpy(y)


def run(ctx, spelling="mha"):
    model = harness.example(f"{spelling}.attn")
    configs = [
        # (size label, d_model, n_head, causal values, batches, seqs)
        ("small", 64, 4, (0, 1), (1, 3), (1, 5, 64, 257)),
        ("default", 256, 8, (1,), (3,), (257,)),
    ]
    for size, d_model, n_head, causals, batches, seqs in configs:
        harness.seeded(d_model)
        mha = harness.randomize_(nn.MultiheadAttention(d_model, n_head, batch_first=True))
        mha.eval()
        weights = ctx.attnc.save_weights(f"{spelling}-{size}", checkpoint(mha))
        harness.round_stored_(mha)
        for causal in causals:
            defines = {} if size == "default" else {"d_model": d_model, "n_head": n_head}
            defines["causal"] = causal
            so = ctx.attnc.compile(model, defines)
            for batch in batches:
                for seq in seqs:
                    variant = f"causal={causal},batch={batch},seq={seq}"
                    harness.seeded(1000 * batch + seq)
                    x = torch.randn(batch, seq, d_model)
                    ref = forward(mha, x, causal)
                    out = ctx.attnc.run(so, weights, {"x": harness.to_numpy(x)}, tag=spelling)
                    ctx.report.compare(spelling, size, variant, out["y"], ref)


def run_explicit(ctx):
    run(ctx, "mha_explicit")
