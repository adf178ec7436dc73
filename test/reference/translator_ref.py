"""examples/translator.attn against torch.nn.Transformer (post-norm, ReLU,
final encoder and decoder norms) with scaled embeddings and the sinusoidal
positions of PyTorch's transformer tutorial. The .attn file names the decoder's
cross-attention `cross_attn` (nn.Transformer: `multihead_attn`) and splits
every in_proj_weight into q_proj, k_proj and v_proj.
"""

import math

import numpy as np
import torch
from torch import nn

import harness


def sinusoidal(seq, d_model):
    """pe[p, 2i] = sin(p / 10000^(2i / d)), pe[p, 2i + 1] = cos(...), in float32."""
    position = torch.arange(seq).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(seq, d_model)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe


class Translator(nn.Module):
    def __init__(self, src_vocab_size, tgt_vocab_size, d_model, nhead, num_encoder_layers,
                 num_decoder_layers, dim_feedforward, eps=1e-5):
        super().__init__()
        self.d_model = d_model
        self.src_embed = nn.Embedding(src_vocab_size, d_model)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, d_model)
        self.transformer = nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers,
                                          dim_feedforward, dropout=0.0, layer_norm_eps=eps,
                                          batch_first=True)
        self.generator = nn.Linear(d_model, tgt_vocab_size)

    def embed(self, table, ids):
        return table(ids) * math.sqrt(self.d_model) + sinusoidal(ids.shape[1], self.d_model)

    def forward(self, src_ids, tgt_ids):
        seq = tgt_ids.shape[1]
        causal = torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1)
        out = self.transformer(self.embed(self.src_embed, src_ids),
                               self.embed(self.tgt_embed, tgt_ids), tgt_mask=causal)
        return self.generator(out)

    def checkpoint(self):
        t = {"src_embed.weight": self.src_embed.weight, "tgt_embed.weight": self.tgt_embed.weight,
             "generator.weight": self.generator.weight, "generator.bias": self.generator.bias}
        for name, p in self.transformer.named_parameters():
            name = name.replace(".multihead_attn.", ".cross_attn.")
            if name.endswith(("in_proj_weight", "in_proj_bias")):
                stem, kind = name.rsplit(".in_proj_", 1)
                for proj, part in zip(("q_proj", "k_proj", "v_proj"), p.chunk(3, dim=0)):
                    t[f"{stem}.{proj}.{kind}"] = part
            else:
                t[name] = p
        return harness.state_dict(t)


def run(ctx):
    config = dict(src_vocab_size=101, tgt_vocab_size=89, d_model=64, nhead=4,
                  num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=160)
    size = "small"
    harness.seeded(6)
    model = harness.randomize_(Translator(**config)).eval()
    weights = ctx.attnc.save_weights("translator-small", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("translator.attn"), config)
    rng = harness.seeded(7)
    for batch, src_seq, tgt_seq in [(1, 5, 1), (1, 1, 5), (1, 64, 5), (3, 7, 64),
                                    (3, 257, 5), (3, 5, 257)]:
        src = rng.integers(0, config["src_vocab_size"], (batch, src_seq), dtype=np.int64)
        tgt = rng.integers(0, config["tgt_vocab_size"], (batch, tgt_seq), dtype=np.int64)
        with torch.no_grad():
            ref = harness.to_numpy(model(torch.from_numpy(src), torch.from_numpy(tgt)))
        out = ctx.attnc.run(so, weights, {"src_ids": src, "tgt_ids": tgt}, tag="translator")
        # The target's logits carry the roundings of the source's positions
        # too (flips, harness.tolerance, with --round-activations).
        ctx.report.compare("translator", size,
                           f"batch={batch},src_seq={src_seq},tgt_seq={tgt_seq}",
                           out["logits"], ref,
                           tol=harness.tolerance(batch * (src_seq + tgt_seq)))

    # Greedy decoding of 32 target tokens for one source sentence, starting
    # from one target token: PyTorch by repeated full forward, attnc once on
    # PyTorch's tokens (harness.check_greedy; the decoder is causal).
    src = rng.integers(0, config["src_vocab_size"], (1, 9), dtype=np.int64)

    def attnc_step(tgt):
        return ctx.attnc.run(so, weights, {"src_ids": src, "tgt_ids": tgt},
                             tag="translator-greedy")["logits"]

    def torch_step(tgt):
        with torch.no_grad():
            return harness.to_numpy(model(torch.from_numpy(src), torch.from_numpy(tgt)))

    prompt = rng.integers(0, config["tgt_vocab_size"], 1).tolist()
    harness.check_greedy(ctx.report, "translator", size, attnc_step, torch_step, prompt,
                         variant="src_seq=9,")


def run_default(ctx):
    """The .attn defaults ("Attention Is All You Need" base: d_model 512, 8
    heads, 6 + 6 layers, feed-forward 2048, vocabularies of 8000)."""
    config = dict(src_vocab_size=8000, tgt_vocab_size=8000, d_model=512, nhead=8,
                  num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048)
    harness.seeded(512)
    # A gain of 1, not randomize_'s 2: with 2, six post-norm encoder layers
    # make the source positions' memories nearly alike, and the output stops
    # depending on the cross-attention keys (transposing a layer's k_proj moves
    # it by 1e-5, under the tolerance); with 1 by 1e-3 or more.
    model = harness.randomize_(Translator(**config), gain=1.0).eval()
    weights = ctx.attnc.save_weights("translator-default", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("translator.attn"), {})
    rng = harness.seeded(513)
    batch, src_seq, tgt_seq = 3, 11, 6
    src = rng.integers(0, config["src_vocab_size"], (batch, src_seq), dtype=np.int64)
    tgt = rng.integers(0, config["tgt_vocab_size"], (batch, tgt_seq), dtype=np.int64)
    with torch.no_grad():
        ref = harness.to_numpy(model(torch.from_numpy(src), torch.from_numpy(tgt)))
    out = ctx.attnc.run(so, weights, {"src_ids": src, "tgt_ids": tgt}, tag="translator-default")
    ctx.report.compare("translator", "default", f"batch={batch},src_seq={src_seq},"
                       f"tgt_seq={tgt_seq}", out["logits"], ref)
