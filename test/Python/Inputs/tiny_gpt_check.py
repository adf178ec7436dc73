"""The attnc package on the tiny trained GPT (examples/tiny-gpt) against
PyTorch (examples/tiny-gpt/model.py, the model it was trained as):

  step      Session.step logits (a prefill, then one token per step) vs
            PyTorch's full-sequence logits at every position
  generate  Model.generate's greedy text vs PyTorch's greedy tokens
  sample    Model.generate with temperature/top-k/top-p/seed vs
            `attnc generate` with the same options (the same sampler, driven
            by the C++ loop), and the same seed twice

  errors    misuse of sessions and generate: the messages

usage: tiny_gpt_check.py MODEL.so {step,generate,sample,errors}
"""
import json
import os
import subprocess
import sys

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
TINY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "tiny-gpt")
sys.path.insert(0, TINY)
import torch  # noqa: E402

import attnc  # noqa: E402
import generate as torch_generate  # noqa: E402
import model as gpt  # noqa: E402

WEIGHTS = os.path.join(TINY, "tiny-gpt.safetensors")


def relative_error(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


def step(m, reference):
    prompt = list(b"The keeper")
    rest = list(b" lived in")
    with torch.no_grad():
        full = reference(torch.tensor([prompt + rest]))[0].numpy()
    # A step returns its last token's logits: the prompt's last row, then one
    # row per token.
    full = full[len(prompt) - 1:]
    s = m.session(batch=1)
    got = [s.step(prompt)[0]]
    got += [s.step([t])[0] for t in rest]
    ours = np.concatenate(got)
    print(f"step: position={s.position} logits {ours.shape} rel_err="
          f"{relative_error(ours, full):.2e}",
          "PASS" if relative_error(ours, full) <= 1e-4 else "FAIL")
    s.reset()
    print("after reset: position", s.position)


def greedy(m, reference):
    torch.set_num_threads(1)
    for prompt in ["The keeper", "In the winter the"]:
        ours = "".join(m.generate(prompt, max_new_tokens=60))
        theirs = torch_generate.generate(reference, list(prompt.encode()), 60)
        text = bytes(theirs).decode("utf-8", "replace")
        print(f"{prompt!r}:", "PASS" if ours == text else f"FAIL {ours!r} != {text!r}")


def sample(m, driver):
    options = dict(max_new_tokens=40, temperature=0.8, top_k=20, top_p=0.9, seed=7)
    pieces = list(m.generate("She said that", **options))
    ours = "".join(pieces)
    again = "".join(m.generate("She said that", **options))
    run = subprocess.run(
        [driver, "generate", m.path, "--weights", WEIGHTS, "--prompt", "She said that",
         "--max-new-tokens", "40", "--temperature", "0.8", "--top-k", "20",
         "--top-p", "0.9", "--seed", "7", "--json"],
        capture_output=True, text=True, check=True)
    theirs = json.loads(run.stdout)["text"]
    print("sampled pieces:", len(pieces))
    print("same seed, same text:", ours == again)
    print("sample vs attnc generate:", "PASS" if ours == theirs else
          f"FAIL {ours!r} != {theirs!r}")


def errors(m):
    def expect(what, fn):
        try:
            fn()
            print(f"{what}: no error")
        except attnc.Error as e:
            print(f"{what}: {type(e).__name__}: {e}")

    s = m.session(batch=1, capacity=4)
    expect("batch", lambda: s.step([[1, 2], [3, 4]]))
    expect("full", lambda: s.step([1, 2, 3, 4, 5]))
    expect("empty prompt", lambda: m.generate("", max_new_tokens=2))
    expect("no new tokens", lambda: m.generate("The", max_new_tokens=0))
    expect("context", lambda: m.generate("The keeper", max_new_tokens=119))
    expect("vocabulary", lambda: list(m.generate([300], max_new_tokens=1)))


def main():
    so, what = sys.argv[1:3]
    m = attnc.Model(so).load_weights(WEIGHTS)
    m.set_threads(1)
    if what == "step":
        step(m, gpt.load(TINY))
    elif what == "errors":
        errors(m)
    elif what == "generate":
        greedy(m, gpt.load(TINY))
    else:
        sample(m, attnc.compiler_path())


if __name__ == "__main__":
    main()
