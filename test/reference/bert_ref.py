"""examples/bert.attn against BERT built from torch.nn modules.

A BERT layer is nn.TransformerEncoderLayer exactly: post-norm, exact (erf)
GELU, one LayerNorm eps. Hugging Face's separate query/key/value Linears are
the three row blocks of in_proj_weight.
"""

import numpy as np
import torch
from torch import nn

import harness


class Bert(nn.Module):
    def __init__(self, vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
                 intermediate_size, max_position_embeddings, type_vocab_size, eps=1e-12):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
        self.position_embeddings = nn.Embedding(max_position_embeddings, hidden_size)
        self.token_type_embeddings = nn.Embedding(type_vocab_size, hidden_size)
        self.emb_norm = nn.LayerNorm(hidden_size, eps=eps)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(hidden_size, num_attention_heads, intermediate_size,
                                       dropout=0.0, activation="gelu", layer_norm_eps=eps,
                                       batch_first=True)
            for _ in range(num_hidden_layers))

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        seq = input_ids.shape[1]
        x = (self.word_embeddings(input_ids) + self.position_embeddings(torch.arange(seq))
             + self.token_type_embeddings(token_type_ids))
        x = self.emb_norm(x)
        # True marks padding keys, which no query attends to.
        padding = None if attention_mask is None else attention_mask == 0
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=padding)
        return x

    def checkpoint(self, prefix=""):
        """Hugging Face BertModel names ([out, in] Linear weights)."""
        t = {"embeddings.word_embeddings.weight": self.word_embeddings.weight,
             "embeddings.position_embeddings.weight": self.position_embeddings.weight,
             "embeddings.token_type_embeddings.weight": self.token_type_embeddings.weight,
             "embeddings.LayerNorm.weight": self.emb_norm.weight,
             "embeddings.LayerNorm.bias": self.emb_norm.bias}
        for i, layer in enumerate(self.layers):
            p = f"encoder.layer.{i}."
            w = layer.self_attn.in_proj_weight.chunk(3, dim=0)
            b = layer.self_attn.in_proj_bias.chunk(3, dim=0)
            for j, name in enumerate(("query", "key", "value")):
                t[f"{p}attention.self.{name}.weight"] = w[j]
                t[f"{p}attention.self.{name}.bias"] = b[j]
            t.update({
                f"{p}attention.output.dense.weight": layer.self_attn.out_proj.weight,
                f"{p}attention.output.dense.bias": layer.self_attn.out_proj.bias,
                f"{p}attention.output.LayerNorm.weight": layer.norm1.weight,
                f"{p}attention.output.LayerNorm.bias": layer.norm1.bias,
                f"{p}intermediate.dense.weight": layer.linear1.weight,
                f"{p}intermediate.dense.bias": layer.linear1.bias,
                f"{p}output.dense.weight": layer.linear2.weight,
                f"{p}output.dense.bias": layer.linear2.bias,
                f"{p}output.LayerNorm.weight": layer.norm2.weight,
                f"{p}output.LayerNorm.bias": layer.norm2.bias,
            })
        return harness.state_dict({prefix + k: v for k, v in t.items()})


def run(ctx):
    config = dict(vocab_size=101, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=160, max_position_embeddings=300, type_vocab_size=2)
    size = "small"
    harness.seeded(4)
    model = harness.randomize_(Bert(**config)).eval()
    weights = ctx.attnc.save_weights("bert-small", model.checkpoint())
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("bert.attn"), config)
    rng = harness.seeded(5)

    def check(variant, batch, seq, lengths=None, token_types=False):
        ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
        inputs = {"input_ids": ids}
        mask = types = None
        if lengths is not None:
            mask = (np.arange(seq)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
            inputs["attention_mask"] = mask
        if token_types:
            types = rng.integers(0, config["type_vocab_size"], (batch, seq), dtype=np.int64)
            inputs["token_type_ids"] = types
        with torch.no_grad():
            ref = harness.to_numpy(model(
                torch.from_numpy(ids),
                None if mask is None else torch.from_numpy(mask),
                None if types is None else torch.from_numpy(types)))
        out = ctx.attnc.run(so, weights, inputs, tag="bert")["last_hidden_state"]
        # Padded positions are compared too: both sides let a padding query
        # attend to the real keys as Hugging Face does (the mask only hides
        # padding keys), so their hidden states agree there as well.
        ctx.report.compare("bert", size, f"{variant},batch={batch},seq={seq}", out, ref)

    # attention_mask and token_type_ids omitted: the runtime fills 1 and 0.
    for batch in (1, 3):
        for seq in (1, 5, 64, 257):
            check("defaults", batch, seq)
    # Ragged batches: trailing padding, one sequence of a single real token.
    for seq in (5, 64, 257):
        check("padded+types", 3, seq, lengths=[seq, seq // 2 + 1, 1], token_types=True)
    check("padded", 3, 64, lengths=[64, 40, 1])
    check("types", 3, 64, token_types=True)
    check("types", 1, 1, token_types=True)


def run_base(ctx):
    """The .attn defaults, bert-base-uncased's shapes (vocab 30522, hidden
    768, 12 layers, 12 heads), with random weights of BERT's
    initializer_range (0.02); a ragged padded batch with token types."""
    config = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
                  num_attention_heads=12, intermediate_size=3072, max_position_embeddings=512,
                  type_vocab_size=2)
    harness.seeded(110)
    model = harness.randomize_(Bert(**config), std=0.02).eval()
    weights = ctx.attnc.save_weights("bert-base", model.checkpoint())
    so = ctx.attnc.compile(harness.example("bert.attn"), {})
    rng = harness.seeded(111)
    batch, seq, lengths = 3, 13, [13, 7, 1]
    ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
    mask = (np.arange(seq)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
    types = rng.integers(0, 2, (batch, seq), dtype=np.int64)
    with torch.no_grad():
        ref = harness.to_numpy(model(torch.from_numpy(ids), torch.from_numpy(mask),
                                     torch.from_numpy(types)))
    out = ctx.attnc.run(so, weights, {"input_ids": ids, "attention_mask": mask,
                                      "token_type_ids": types}, tag="bert-base")
    ctx.report.compare("bert", "base", f"padded+types,batch={batch},seq={seq}",
                       out["last_hidden_state"], ref)
