"""Checks the outputs of test/E2E/Inputs/lookup.attn compiled with
--weight-type int8 against the rule of docs/abi.md ("int8 weights"), in
PyTorch (harness.quantize_int8, written independently of the runtime): the
looked-up rows are those of the dequantized tables, q * scale, bit for bit;
the tied projection multiplies with the same dequantized wte (1e-5 relative:
f32 sums in another order), or with --int8-activations (a model compiled with
--round-activations, whose tied table is read from the projection's quads)
is harness.q8_linear of the looked-up rows and the quantized wte. Prints the
same rows against the f32 tables too, which must differ (the tables were
quantized).

usage: check_int8_lookup.py [--int8-activations] WEIGHTS INPUTS OUTPUTS
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "reference"))
import harness  # noqa: E402
import safetensors_np  # noqa: E402


def main(weights_path, inputs_path, outputs_path, int8_activations=False):
    weights = safetensors_np.load(weights_path)
    inputs = safetensors_np.load(inputs_path)
    outputs = safetensors_np.load(outputs_path)
    quantized_wte = harness.quantize_int8(torch.from_numpy(weights["wte"]))
    wte = quantized_wte.numpy()
    tab = harness.quantize_int8(torch.from_numpy(weights["tab"])).numpy()
    ids, kind = inputs["ids"], inputs["kind"]
    for name, got, table, rows in (("e", outputs["e"], wte, ids),
                                   ("u", outputs["u"], tab, kind)):
        f32 = weights["wte" if name == "e" else "tab"][rows]
        print(f"{name}: rows {sorted(set(rows.reshape(-1).tolist()))} of {table.shape[0]}: "
              f"dequantized exactly: {np.array_equal(got, table[rows])}; "
              f"f32 rows differ: {not np.allclose(got, f32, rtol=0, atol=1e-6)}")
    if int8_activations:
        ref = harness.q8_linear(torch.from_numpy(outputs["e"]), quantized_wte).numpy()
    else:
        ref = outputs["e"].astype(np.float64) @ wte.T.astype(np.float64)
    rel = np.abs(outputs["logits"] - ref).max() / np.abs(ref).max()
    print(f"logits: max_rel={rel:.2e} {'PASS' if rel < 1e-5 else 'FAIL'}")


if __name__ == "__main__":
    args = sys.argv[1:]
    flag = "--int8-activations" in args
    main(*[a for a in args if a != "--int8-activations"], int8_activations=flag)
