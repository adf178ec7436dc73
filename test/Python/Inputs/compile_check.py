"""attnc.compile: a model with -D defines and one with a Hugging Face config
compile and load with those constants; a broken model raises CompileError
with the compiler's file:line:col diagnostics.

usage: compile_check.py EXAMPLES_DIR WORKDIR
"""
import os
import sys

import attnc


def main():
    examples, work = sys.argv[1:3]
    out = attnc.compile(os.path.join(examples, "mha.attn"), output=os.path.join(work, "m.so"),
                        defines={"d_model": 32, "n_head": 2, "causal": 0})
    c = attnc.Model(out).constants
    print("defines:", os.path.basename(out), c["d_model"], c["n_head"], c["causal"])
    out = attnc.compile(os.path.join(examples, "gpt2.attn"), output=os.path.join(work, "g.so"),
                        config=os.path.join(examples, "tiny-gpt", "config.json"))
    c = attnc.Model(out).constants
    print("config:", c["n_layer"], c["n_embd"], c["vocab_size"])
    broken = os.path.join(work, "broken.attn")
    with open(broken, "w") as f:
        f.write("model broken {\n  input x : f32[4]\n  output y = relu(z)\n}\n")
    try:
        attnc.compile(broken, output=os.path.join(work, "b.so"))
        print("broken: compiled")
    except attnc.CompileError as e:
        print("broken:", str(e).splitlines()[0])
    try:
        attnc.compile(os.path.join(examples, "mha.attn"), output=os.path.join(work, "x.so"),
                      defines={"n_head": 7})
    except attnc.CompileError as e:
        print("require:", " | ".join(str(e).splitlines()))


if __name__ == "__main__":
    main()
