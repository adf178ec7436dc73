"""attnc's Python exceptions: every misuse raises an attnc.Error subclass
carrying the runtime's message; none crashes.

usage: errors_check.py MODEL.so WEIGHTS.safetensors WORKDIR
"""
import os
import sys

import numpy as np

import attnc


def expect(what, fn):
    try:
        fn()
    except attnc.Error as e:
        first = str(e).splitlines()[0] if str(e) else ""
        print(f"{what}: {type(e).__name__}: {first}")
        return
    print(f"{what}: no error")


def main():
    so, weights, work = sys.argv[1:4]
    x = np.zeros((1, 3, 64), dtype=np.float32)
    expect("missing file", lambda: attnc.Model(os.path.join(work, "none.so")))
    not_model = os.path.join(work, "not-a-model.so")
    with open(not_model, "w") as f:
        f.write("text\n")
    expect("not a model", lambda: attnc.Model(not_model))
    m = attnc.Model(so)
    expect("run before weights", lambda: m.run(x=x))
    expect("session before weights", lambda: m.session())
    expect("weights dir", lambda: m.load_weights(work))
    m.load_weights(weights)
    expect("wrong name", lambda: m.run(z=x))
    expect("missing input", lambda: m.run())
    expect("wrong dtype", lambda: m.run(x=x.astype(np.float64)))
    expect("no attnc dtype", lambda: m.run(x=x.astype(np.complex64)))
    expect("wrong shape", lambda: m.run(x=np.zeros((1, 3, 65), dtype=np.float32)))
    expect("wrong rank", lambda: m.run(x=np.zeros((3, 64), dtype=np.float32)))
    expect("threads", lambda: m.set_threads(-1))
    expect("step without cache", lambda: m.session().step([1, 2]))
    expect("generate, not a decoder", lambda: list(m.generate("hi", max_new_tokens=2)))
    s = m.session()
    m.close()
    expect("closed model", lambda: m.run(x=x))
    expect("closed session", lambda: s.run(x=x))
    print("is ValueError:", issubclass(attnc.MismatchError, ValueError))


if __name__ == "__main__":
    main()
