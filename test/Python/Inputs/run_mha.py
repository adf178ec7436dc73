"""Runs a compiled MHA layer through the attnc package (Model.run and
Session.run) on the weights and input of `attnc-mha-reference gen`, prints
the model's description, and writes the output for `attnc-mha-reference
check` (the naive C++ reference) to compare.

usage: run_mha.py MODEL.so WEIGHTS.safetensors X.safetensors Y.safetensors
"""
import os
import sys

import numpy as np

import attnc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "reference"))
import safetensors_np  # noqa: E402


def main():
    so, weights, inputs, outputs = sys.argv[1:5]
    m = attnc.Model(so)
    print("model", m.name)
    for spec in m.inputs:
        print("input", spec)
    for spec in m.outputs:
        print("output", spec)
    print("params", len(m.params), "first", m.params[0].name, "from", m.params[0].tensor)
    print("constants", m.constants)
    m.load_weights(weights)
    m.set_threads(1)
    x = safetensors_np.load(inputs)["x"]
    y = m.run(x=x)["y"]
    print("y", y.dtype, y.shape)
    # A session gives the same numbers, run after run.
    with m.session() as s:
        for _ in range(2):
            again = s.run(x=x)["y"]
            print("session run equal:", np.array_equal(again, y))
    # Profiled, the same numbers, and every kernel counted once per run.
    print("profile off:", m.profile())
    m.set_profiling()
    profiled = m.run(x=x)["y"]
    p = m.profile(reset=True)
    print("profiled equal:", np.array_equal(profiled, y), "runs", p["runs"],
          "kernels run once:", all(r["calls"] == 1 for r in p["regions"] if r["entry"] == "forward"))
    print("after reset:", m.profile()["runs"])
    safetensors_np.save(outputs, {"y": y})
    m.close()
    print("closed", m)


if __name__ == "__main__":
    main()
