"""examples/tiny-gpt.attn with the character-level GPT trained by PyTorch
(examples/tiny-gpt: train.py, its checkpoint, model.py's PyTorch model).

The logits over a sentence of the corpus must agree within harness.REL_TOL,
and `attnc generate` (KV cache, and recomputation) must write PyTorch's
greedy text for a fixed prompt, character for character.
"""

import json
import os
import sys

import numpy as np
import torch

import harness

TINY = os.path.join(harness.EXAMPLES, "tiny-gpt")
PROMPT = "The keeper"
SENTENCE = "The keeper lived in a small stone house."
NEW_TOKENS = 100


def stored(model, conv1d):
    """The trained model with the weights `--weight-type` stores:
    harness.round_stored_ for bf16 and f16 (every matrix: the Conv1D weights,
    wte and wpe); for int8 the Conv1D weights ([in, out]) quantized along
    their inputs, and wte and wpe ([V, E]) along their features (wte also
    where the logits projection reads it: model.py's forward ends with
    ln_f(x) @ wte.weight.T)."""
    if harness.WEIGHT_TYPE != "int8":
        return harness.round_stored_(model)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, conv1d):
                m.weight.copy_(harness.quantize_int8(m.weight.T.contiguous()).T)
    return harness.round_stored_(model)


def run(ctx):
    sys.path.insert(0, TINY)
    import generate  # noqa: E402 (examples/tiny-gpt/generate.py)
    import model as gpt  # noqa: E402 (examples/tiny-gpt/model.py)

    reference = stored(gpt.load(TINY), gpt.Conv1D)
    weights = os.path.join(TINY, "tiny-gpt.safetensors")
    so = ctx.attnc.compile(harness.example("tiny-gpt.attn"), {})

    ids = np.array([list(SENTENCE.encode())], dtype=np.int64)
    out = ctx.attnc.run(so, weights, {"input_ids": ids}, tag="tiny-gpt")
    with torch.no_grad():
        ref = harness.to_numpy(reference(torch.from_numpy(ids)))
    ctx.report.compare("tiny-gpt", "trained", f"batch=1,seq={ids.shape[1]}", out["logits"], ref)

    expected = bytes(generate.generate(reference, list(PROMPT.encode()), NEW_TOKENS)).decode(
        errors="replace")
    for flags, variant in (([], "kv cache"), (["--no-kv-cache"], "recomputed")):
        got = json.loads(ctx.attnc.call(
            ["generate", so, "--weights", weights, "--prompt", PROMPT, "--max-new-tokens",
             str(NEW_TOKENS), "--json"] + flags))["text"]
        same = 0
        while same < min(len(got), len(expected)) and got[same] == expected[same]:
            same += 1
        ok = got == expected
        extra = f"chars_identical={same}/{len(expected)}"
        if not ok:
            extra += f" attnc={got!r} torch={expected!r}"
        ctx.report.line("tiny-gpt", "trained", f"greedy{NEW_TOKENS} {PROMPT!r} ({variant})",
                        0.0, 0.0, ok, extra)
