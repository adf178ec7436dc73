#!/usr/bin/env python3
"""A small GPT-2 model directory in Hugging Face's layout, and what an
independent PyTorch GPT-2 (test/reference/gpt2_ref.py) and the reference
tokenizer (test/reference/bpe_reference.py) make of it.

  gpt2-dir.py make DIR TOKENIZER PROMPT TEXT
      writes DIR/{model.safetensors, config.json, generation_config.json,
      tokenizer.json} (random weights, greedy generation, an eos_token_id
      list with an id the greedy continuation reaches), and beside DIR:
      DIR.expected.json (the prompt's ids, 16 greedy tokens, the EOS id that
      fires and after how many tokens) and DIR.text-logits.safetensors (the
      logits of TEXT, for `attnc run --text`)
  gpt2-dir.py check EXPECTED.json RESULT.json KIND
      KIND greedy16: the tokens are the 16 greedy ones; eos: the greedy ones
      up to the EOS, stop_reason "eos", stop_token that id
  gpt2-dir.py compare OUT.safetensors REF.safetensors
      the logits of `attnc run --text` against the reference's, within
      harness.REL_TOL of the largest reference magnitude
"""
import json
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "reference"))
import bpe_reference  # noqa: E402
import gpt2_ref  # noqa: E402
import harness  # noqa: E402
import safetensors_np  # noqa: E402

CONFIG = dict(vocab_size=557, n_positions=64, n_embd=32, n_layer=2, n_head=2)
STEPS = 16


def make(out, tokenizer_path, prompt, text):
    os.makedirs(out, exist_ok=True)
    harness.seeded(16)
    model = harness.randomize_(gpt2_ref.GPT2(**CONFIG)).eval()
    safetensors_np.save(os.path.join(out, "model.safetensors"), model.checkpoint(),
                        {"format": "pt"})
    shutil.copy(tokenizer_path, os.path.join(out, "tokenizer.json"))
    tokenizer = bpe_reference.Tokenizer(tokenizer_path)

    def step(ids):
        return gpt2_ref.logits(model, ids)

    prompt_ids = tokenizer.encode(prompt)
    greedy, _, _ = harness.greedy(step, prompt_ids, STEPS)
    # The EOS that fires: the first token from the third on that is new.
    at = next(i for i in range(2, STEPS) if greedy[i] not in greedy[:i])
    never = next(i for i in range(CONFIG["vocab_size"]) if i not in greedy)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(dict(CONFIG, model_type="gpt2", architectures=["GPT2LMHeadModel"],
                       n_inner=None, layer_norm_epsilon=1e-5, bos_token_id=556,
                       eos_token_id=556, tie_word_embeddings=True), f, indent=2)
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": 556, "eos_token_id": [never, greedy[at]],
                   "do_sample": False, "max_new_tokens": STEPS,
                   "transformers_version": "5.17.0"}, f, indent=2)
    with open(out + ".expected.json", "w") as f:
        json.dump({"prompt_ids": prompt_ids, "greedy": greedy, "eos": greedy[at],
                   "eos_after": at + 1}, f)
    text_ids = np.array([tokenizer.encode(text)], dtype=np.int64)
    safetensors_np.save(out + ".text-logits.safetensors",
                        {"logits": step(text_ids), "input_ids": text_ids})


def check(expected_path, result_path, kind):
    expected = json.load(open(expected_path))
    result = json.load(open(result_path))
    if kind == "greedy16":
        assert result["tokens"] == expected["greedy"], (result, expected)
        assert result["stop_reason"] == "max_new_tokens", result
    elif kind == "eos":
        want = expected["greedy"][:expected["eos_after"]]
        assert result["tokens"] == want, (result, want)
        assert result["stop_reason"] == "eos", result
        assert result["stop_token"] == expected["eos"], result
    else:
        raise SystemExit(f"unknown check {kind}")
    print(f"{kind}: OK {result['tokens']}")


def compare(out_path, ref_path):
    got = safetensors_np.load(out_path)["logits"]
    ref = safetensors_np.load(ref_path)["logits"]
    _, max_rel = harness.errors(got, ref)
    ok = max_rel <= harness.REL_TOL
    print(f"logits: max_rel={max_rel:.3g} {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "make":
        make(*sys.argv[2:6])
    elif sys.argv[1] == "check":
        check(*sys.argv[2:5])
    elif sys.argv[1] == "compare":
        compare(*sys.argv[2:4])
    else:
        raise SystemExit(__doc__)
