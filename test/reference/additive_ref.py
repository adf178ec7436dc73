"""examples/additive-attention.attn against Bahdanau's alignment model
written with torch.nn: e_ij = v(tanh(W s_i + U h_j)), a = softmax_j(e),
c_i = sum_j a_ij h_j; the alignment and the context, relative 1e-5."""

import torch
from torch import nn

import harness
import safetensors_np

TOL = 1e-5


class Additive(nn.Module):
    def __init__(self, d_query, d_key, d_attn):
        super().__init__()
        self.query = nn.Linear(d_query, d_attn, bias=False)
        self.key = nn.Linear(d_key, d_attn)
        self.v = nn.Linear(d_attn, 1, bias=False)

    def forward(self, s, h):
        # v as the .attn file multiplies it: elementwise, then summed (not a
        # linear layer, whose input --round-activations would round).
        t = torch.tanh(self.query(s).unsqueeze(2) + self.key(h).unsqueeze(1))
        e = (t * self.v.weight[0]).sum(-1)
        a = torch.softmax(e, dim=-1)
        return a, torch.bmm(a, h)

    def checkpoint(self):
        return harness.state_dict({
            "attention.query.weight": self.query.weight,
            "attention.key.weight": self.key.weight,
            "attention.key.bias": self.key.bias,
            "attention.v.weight": self.v.weight[0],
        })


def run(ctx):
    for size, dims in (("default", dict(d_query=32, d_key=48, d_attn=24)),
                       ("small", dict(d_query=8, d_key=6, d_attn=5))):
        harness.seeded(71)
        model = harness.randomize_(Additive(**dims)).eval()
        weights = ctx.attnc.save_weights(f"additive-{size}", model.checkpoint())
        # v is the .attn file's vector, multiplied elementwise: it stays f32.
        harness.round_stored_(model, keep=[model.v.weight])
        so = ctx.attnc.compile(harness.example("additive-attention.attn"),
                               {} if size == "default" else dims)
        if size == "default":  # inputs for additive.test's plot
            rng = harness.seeded(72)
            safetensors_np.save(ctx.attnc.path("additive-plot.inputs.safetensors"), {
                "query": rng.standard_normal((1, 5, 32)).astype("float32"),
                "keys": rng.standard_normal((1, 7, 48)).astype("float32")})
        for batch, tgt, src in ((1, 1, 7), (3, 5, 9), (2, 4, 1)):
            rng = harness.seeded(100 * batch + 10 * tgt + src)
            s = rng.standard_normal((batch, tgt, dims["d_query"])).astype("float32")
            h = rng.standard_normal((batch, src, dims["d_key"])).astype("float32")
            out = ctx.attnc.run(so, weights, {"query": s, "keys": h}, tag="additive")
            with torch.no_grad():
                a, c = model(torch.from_numpy(s), torch.from_numpy(h))
            variant = f"batch={batch},tgt={tgt},src={src}"
            ctx.report.compare("additive", size, variant + " alignment", out["alignment"],
                               harness.to_numpy(a), tol=TOL)
            ctx.report.compare("additive", size, variant + " context", out["context"],
                               harness.to_numpy(c), tol=TOL)
