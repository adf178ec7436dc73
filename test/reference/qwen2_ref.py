"""Tied and untied checkpoints of the LLaMA family: examples/llama.attn on a
LLaMA saved with tie_word_embeddings (no lm_head.weight), and
examples/qwen2.attn, compiled with --config from a Qwen2 config.json, on
Qwen2 checkpoints (q/k/v biases, grouped-query attention) tied and untied,
against llama_ref's model written as Hugging Face computes it. One compiled
library loads both kinds of checkpoint; attnc run says which tensor the
logits projection read, and no tensor of the checkpoint goes unused.
"""

import json

import numpy as np

import harness
from llama_ref import Llama, logits


TIE_NOTE = ("parameter 'lm_head' reads 'model.embed_tokens.weight' "
            "(the checkpoint has no 'lm_head.weight')")


def check_log(ctx, name, size, variant, tied):
    """The tie is reported exactly when the checkpoint is tied; nothing is
    reported unused."""
    log = ctx.attnc.last_log
    if (TIE_NOTE in log) != tied:
        ctx.report.fail(name, size, variant,
                        f"expected {'the' if tied else 'no'} note \"{TIE_NOTE}\"; attnc printed:\n"
                        + log)
    if "not used" in log:
        ctx.report.fail(name, size, variant, "unused tensors reported:\n" + log)


def check(ctx, name, model, config, so, weights, shapes, variant, greedy, seed):
    rng = harness.seeded(seed)
    for batch, seq in shapes:
        ids = rng.integers(0, config["vocab_size"], (batch, seq), dtype=np.int64)
        out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag=name)
        v = f"{variant},batch={batch},seq={seq}"
        check_log(ctx, name, "small", v, model.tied)
        ctx.report.compare(name, "small", v, out["logits"], logits(model, ids))
    if greedy:
        def attnc_step(ids):
            return ctx.attnc.run(so, weights, {"input_ids": ids}, tag=f"{name}-greedy")["logits"]

        prompt = rng.integers(0, config["vocab_size"], 5).tolist()
        harness.check_greedy(ctx.report, name, "small", attnc_step,
                             lambda ids: logits(model, ids), prompt, variant=f"{variant},")


def run_llama_tied(ctx):
    config = dict(vocab_size=97, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2)
    harness.seeded(40)
    model = harness.randomize_(Llama(**config, tie_word_embeddings=True)).eval()
    state = model.checkpoint()
    assert "lm_head.weight" not in state
    weights = ctx.attnc.save_weights("llama-tied", state)
    harness.round_stored_(model)
    so = ctx.attnc.compile(harness.example("llama.attn"), config)
    check(ctx, "llama", model, config, so, weights, [(1, 1), (1, 5), (3, 64)],
          "tied gqa", True, 41)


def qwen2_config(tied):
    """A Qwen2-0.5B-style config.json, shrunk: what save_pretrained writes,
    strings and all."""
    return {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
        "hidden_act": "silu", "torch_dtype": "float32", "attention_dropout": 0.0,
        "bos_token_id": 1, "eos_token_id": 2, "initializer_range": 0.02,
        "use_cache": True, "use_sliding_window": False, "sliding_window": 512,
        "max_window_layers": 2,
        "vocab_size": 101, "hidden_size": 64, "intermediate_size": 160,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
        "tie_word_embeddings": tied,
    }


MODEL_KEYS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
              "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "rope_theta",
              "tie_word_embeddings")


def run_qwen2(ctx):
    config_path = ctx.attnc.path("qwen2-config.json")
    with open(config_path, "w") as f:
        json.dump(qwen2_config(True), f, indent=2)
    so = ctx.attnc.compile(harness.example("qwen2.attn"), {}, flags=("--config", config_path))
    for n, tied in enumerate((True, False)):
        config = qwen2_config(tied)
        harness.seeded(50 + n)
        model = harness.randomize_(
            Llama(**{k: config[k] for k in MODEL_KEYS}, qkv_bias=True)).eval()
        state = model.checkpoint()
        assert ("lm_head.weight" in state) != tied
        assert "model.layers.0.self_attn.q_proj.bias" in state
        weights = ctx.attnc.save_weights(f"qwen2-{n}", state)
        harness.round_stored_(model)
        check(ctx, "qwen2", model, config, so, weights,
              [(1, 1), (1, 5), (3, 64), (1, 257)], "tied" if tied else "untied", True, 60 + n)
