"""Hugging Face model directories end to end (issue 16): a directory laid
out as save_pretrained writes it (config.json, generation_config.json,
model.safetensors, tokenizer.json), compiled with `attnc compile --config DIR`
and run as `attnc generate model.so DIR --prompt TEXT`:

- LLaMA with tied embeddings (no lm_head.weight) and a SentencePiece-style
  tokenizer (a BPE model trained by Debian's python3-sentencepiece, "<s>"
  added by the post-processor);
- Qwen2 (q/k/v biases, tied) with a Llama-3-style tokenizer (a Split regex
  pre-tokenizer and byte-level BPE, "<|begin_of_text|>" first).

The references are independent of attnc: sentencepiece's (or a Python
split+merge's) token ids for the prompt, then PyTorch's greedy tokens from
them. The generation config's EOS is a token the reference generates a few
steps in, so attnc must stop exactly there, saying so.
"""

import json
import os
import shutil
import sys

import numpy as np

import harness
from llama_ref import Llama, logits

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "Tokenizers", "Inputs"))
import sentencepiece_check  # noqa: E402
import split_bpe_check  # noqa: E402

PROMPT = "The lighthouse keeper climbed the stairs"
EOS_STEP = 5


def greedy(model, ids, steps):
    seq = list(ids)
    for _ in range(steps):
        seq.append(int(logits(model, np.array([seq], dtype=np.int64))[0, -1].argmax()))
    return seq[len(ids):]


def directory(ctx, name, config, model, tokenizer):
    d = ctx.attnc.path(name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    shutil.copy(ctx.attnc.save_weights(name, model.checkpoint()),
                os.path.join(d, "model.safetensors"))
    return d


def check(ctx, name, example, d, model, prompt_ids, eos_fallback):
    """Greedy tokens from the prompt's ids; EOS set to the token generated
    at EOS_STEP (one that did not come earlier)."""
    tokens = greedy(model, prompt_ids, 16)
    eos = next((t for t in tokens[EOS_STEP:] if t not in tokens[:EOS_STEP]), tokens[0])
    stop = next(i for i, t in enumerate(tokens) if t in (eos, eos_fallback))
    want = tokens[:stop + 1]
    with open(os.path.join(d, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": prompt_ids[0], "eos_token_id": [eos, eos_fallback],
                   "max_new_tokens": 16, "do_sample": False}, f)
    so = ctx.attnc.compile(harness.example(example), {}, flags=("--config", d))
    out = json.loads(ctx.attnc.call(["generate", so, d, "--prompt", PROMPT, "--json",
                                     "--quiet"]))
    got = out["tokens"]
    ok = (got == want and out["prompt_tokens"] == len(prompt_ids)
          and out["stop_reason"] == "eos" and out.get("stop_token") == want[-1])
    extra = (f"prompt_tokens={out['prompt_tokens']}/{len(prompt_ids)} "
             f"tokens_identical={sum(a == b for a, b in zip(got, want))}/{len(want)} "
             f"stop={out['stop_reason']}:{out.get('stop_token')}")
    if not ok:
        extra += f" attnc={got} reference={want}"
    ctx.report.line(name, "directory", "generate", 0.0, 0.0, ok, extra)


def run_llama(ctx):
    sp = sentencepiece_check.train(ctx.attnc.workdir)
    tokenizer = sentencepiece_check.convert(sp, "legacy")
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "vocab_size": sp.get_piece_size(), "hidden_size": 64,
              "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
              "max_position_embeddings": 256, "bos_token_id": sp.bos_id(),
              "eos_token_id": sp.eos_id(), "tie_word_embeddings": True,
              "torch_dtype": "float32"}
    harness.seeded(70)
    model = harness.randomize_(Llama(**{k: config[k] for k in (
        "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "rope_theta",
        "tie_word_embeddings")})).eval()
    d = directory(ctx, "llama-tied-spm", config, model, tokenizer)
    check(ctx, "llama", "llama.attn", d, model, [sp.bos_id()] + sp.encode(PROMPT),
          sp.eos_id())


def run_qwen2(ctx):
    pattern = split_bpe_check.LLAMA3
    merges = split_bpe_check.learn(pattern, split_bpe_check.TEXT)
    vocab = {c: b for b, c in split_bpe_check.BYTE_CHARS.items()}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    names = ["<|begin_of_text|>", "<|end_of_text|>"]
    added = {n: len(vocab) + i for i, n in enumerate(names)}
    tokenizer = split_bpe_check.tokenizer_json(pattern, merges, vocab, added, "llama3")
    reference = split_bpe_check.Reference(pattern, merges, vocab, added, nfc=False,
                                          ignore_merges=True)
    config = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
              "vocab_size": len(vocab) + len(added), "hidden_size": 64,
              "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
              "max_position_embeddings": 256, "use_sliding_window": False,
              "sliding_window": 256, "tie_word_embeddings": True,
              "bos_token_id": added["<|begin_of_text|>"],
              "eos_token_id": added["<|end_of_text|>"], "torch_dtype": "float32"}
    harness.seeded(71)
    model = harness.randomize_(Llama(**{k: config[k] for k in (
        "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "rope_theta",
        "tie_word_embeddings")}, qkv_bias=True)).eval()
    d = directory(ctx, "qwen2-tied-llama3", config, model, tokenizer)
    check(ctx, "qwen2", "qwen2.attn", d, model,
          [added["<|begin_of_text|>"]] + reference.encode(PROMPT), added["<|end_of_text|>"])


def run(ctx):
    run_llama(ctx)
    run_qwen2(ctx)
