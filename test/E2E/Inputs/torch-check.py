"""Runs a compiled model on random data and checks it against PyTorch.

usage: torch-check.py MODEL.so REFERENCE --dim name=N... [--causal 0|1]
                      [--window W] [--alibi] [--seed N] [--tolerance T]
                      --workdir DIR

The model's manifest (read through its C ABI with ctypes) gives the inputs
and parameters; they are filled with seeded random numbers, written as
safetensors, run with `attnc run`, and the output is compared, in float64,
with REFERENCE computed by PyTorch:
  attention  o = softmax(q k^T / sqrt(d), causal: key j > i + (sk - sq)
               masked, and keys whose "mask" input is 0 lowered by
               finfo(f32).min as Hugging Face's additive mask does) v per
               head (q, k, v [b, h, s, d], or [b, s, h * d] with --heads h
               and --kv-heads g: grouped-query); a row of only padding
               averages the keys it may see; rows that see no key at all
               (causal, sq > sk) are NaN in both; --window W also masks
               keys j <= i + (sk - sq) - W (Hugging Face's
               sliding_window_overlay: kv_idx > q_idx - W); --alibi adds
               slope(h) * j to the scaled scores, slopes as transformers'
               build_alibi_tensor
  linear     y = x W^T + b (W stored [out, in]) or x W + b ([in, out])
  ops        the outputs of test/E2E/Inputs/ops.attn
  glu        the outputs of test/E2E/Inputs/glu.attn (SwiGLU, GEGLU)
Prints one line "<case>: max_rel=... PASS|FAIL" (relative to the largest
reference magnitude); exits 1 on FAIL.
"""
import argparse, ctypes, json, math, os, struct, subprocess, sys
import numpy as np
import torch

DTYPES = {"f32": np.float32, "i64": np.int64, "i32": np.int32}
ST_NAMES = {np.float32: "F32", np.int64: "I64", np.int32: "I32"}


def param_values(x, dtype):
    """x as the parameter's dtype. A weight the model stores narrower
    (--weight-type bf16/f16) gets f32 values that are exactly bf16/f16, so
    that the runtime's conversion at load changes nothing and the reference
    sees the weights the model multiplies by."""
    if dtype == "bf16":
        return torch.from_numpy(x.astype(np.float32)).bfloat16().float().numpy()
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float32)
    return x.astype(DTYPES[dtype])


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name]).tobytes()
        header[name] = {"dtype": ST_NAMES[tensors[name].dtype.type],
                        "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64, "I32": np.int32}[info["dtype"]]
        out[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"])
    return out


def manifest(so):
    lib = ctypes.CDLL(os.path.abspath(so))
    lib.attnc_model_manifest.restype = ctypes.c_char_p
    return json.loads(lib.attnc_model_manifest().decode())


def alibi_slopes(heads):
    """transformers' build_alibi_tensor: 2^(-8/n)^(1..n) for the closest power
    of two n <= heads, then odd powers of 2^(-4/n) for the heads beyond."""
    n = 2 ** math.floor(math.log2(heads))
    slopes = [2.0 ** (-8.0 / n * p) for p in range(1, n + 1)]
    slopes += [2.0 ** (-4.0 / n * p) for p in range(1, 2 * (heads - n), 2)]
    return torch.tensor(slopes, dtype=torch.float64)


def attention(t, causal, heads, kv_heads, window=0, alibi=False):
    q, k, v = t["q"], t["k"], t["v"]
    merged = q.dim() == 3  # [b, s, heads * d]: split the heads here

    def split(x, count):
        return x.view(x.shape[0], x.shape[1], count, -1).transpose(1, 2)
    if merged:
        q, k, v = split(q, heads), split(k, kv_heads), split(v, kv_heads)
    group = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    sq, sk = q.shape[-2], k.shape[-2]
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    if alibi:
        j = torch.arange(sk, dtype=torch.float64)
        scores = scores + alibi_slopes(q.shape[1])[:, None, None] * j
    if "mask" in t:
        dropped = (t["mask"] == 0)[:, None, None, :]
        scores = scores + dropped * float(np.finfo(np.float32).min)
    if causal:
        i = torch.arange(sq).unsqueeze(1)
        j = torch.arange(sk).unsqueeze(0)
        scores = scores.masked_fill(j > i + (sk - sq), float("-inf"))
        if window:
            scores = scores.masked_fill(j <= i + (sk - sq) - window, float("-inf"))
    o = torch.softmax(scores, dim=-1) @ v
    if merged:
        o = o.transpose(1, 2).reshape(o.shape[0], sq, -1)
    return {"o": o}


def ops(t):
    q, k, x = t["q"], t["k"], t["x"]
    s = q.shape[-2]
    scores = q @ k.transpose(-1, -2) * 0.25
    future = torch.arange(s).unsqueeze(0) > torch.arange(s).unsqueeze(1)
    return {"p": torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1),
            "h": x * 2.0, "t": x.transpose(-1, -2), "d": x * x - x / 2.0,
            "r": k.repeat_interleave(3, dim=1),
            "m": torch.softmax((q @ k.transpose(-1, -2)
                                + (t["mask"] == 0)[:, None, None, :]
                                * float(np.finfo(np.float32).min)) * 0.5, dim=-1),
            "s": torch.softmax(x * -0.75, dim=-1),
            "v": x.reshape(x.shape[0], s, 4, 6),
            "w": x.reshape(s, x.shape[0], 2, 12),
            "u": x.transpose(-1, -2).reshape(x.shape[0], s, 24),
            "g": k.reshape(k.shape[0], s, 16) * 0.5,
            "n": t["mask"].reshape(s, x.shape[0]),
            "a": (x.reshape(x.shape[0], s, 4, 6) * 2.0).reshape(x.shape[0], s, 24)}


def glu(t):
    F = torch.nn.functional
    x = t["x"]
    swiglu = F.silu(F.linear(x, t["gate_w"])) * F.linear(x, t["up_w"])
    geglu = (F.gelu(x @ t["gate2_w"], approximate="tanh") * (x @ t["up2_w"]))
    return {"swiglu_out": x + F.linear(swiglu, t["down_w"]), "geglu_out": geglu}


def linear(t, causal, layout):
    w = t["w"] if layout == "out_in" else t["w"].t()
    return {"y": torch.nn.functional.linear(t["x"], w, t["b"])}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("reference", choices=["attention", "linear", "linear_in_out", "ops", "glu",
                                         "expect"])
    p.add_argument("--dim", action="append", default=[])
    p.add_argument("--causal", type=int, default=0)
    p.add_argument("--window", type=int, default=0)
    p.add_argument("--alibi", action="store_true")
    p.add_argument("--heads", type=int, default=1)
    p.add_argument("--kv-heads", type=int, default=0)
    p.add_argument("--no-mask", action="store_true",
                   help="omit the optional input 'mask' (its default applies)")
    p.add_argument("--expect", action="append", default=[],
                   help="with the reference 'expect': OUTPUT=EXPRESSION, a PyTorch "
                        "expression of the inputs and parameters (torch and F in scope), "
                        "so that a test states its own reference")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--workdir", required=True)
    a = p.parse_args()
    dims = {k: int(v) for k, v in (d.split("=") for d in a.dim)}
    spec = manifest(a.model)
    rng = np.random.default_rng(a.seed)

    def shape(entry):
        return [dims[s] if isinstance(s, str) else s for s in entry["shape"]]

    inputs = {e["name"]: rng.uniform(-1, 1, shape(e)).astype(DTYPES[e["dtype"]])
              for e in spec["inputs"]}
    if "mask" in inputs:  # a padding mask: about one key in four dropped
        if a.no_mask:
            del inputs["mask"]
        else:
            inputs["mask"] = (rng.uniform(0, 1, inputs["mask"].shape) > 0.25
                              ).astype(inputs["mask"].dtype)
    params = {e["name"]: param_values(rng.uniform(-1, 1, shape(e)) / np.sqrt(shape(e)[-1]),
                                      e["dtype"])
              for e in spec["params"]}
    tag = "-".join(f"{k}{v}" for k, v in sorted(dims.items()))
    files = {n: os.path.join(a.workdir, f"{n}-{tag}.safetensors")
             for n in ("inputs", "weights", "outputs")}
    write_safetensors(files["inputs"], inputs)
    write_safetensors(files["weights"], {e["tensor"]: params[e["name"]]
                                         for e in spec["params"]})
    subprocess.check_call(["attnc", "run", a.model, "--weights", files["weights"],
                           "--inputs", files["inputs"], "--outputs", files["outputs"]])
    got = read_safetensors(files["outputs"])

    t = {n: torch.from_numpy(x).double() for n, x in {**inputs, **params}.items()}
    if a.reference == "attention":
        want = attention(t, a.causal, a.heads, a.kv_heads or a.heads, a.window, a.alibi)
    elif a.reference == "ops":
        want = ops(t)
    elif a.reference == "glu":
        want = glu(t)
    elif a.reference == "expect":
        scope = {"torch": torch, "F": torch.nn.functional, **t}
        want = {name: eval(expr, scope)
                for name, expr in (e.split("=", 1) for e in a.expect)}
    else:
        want = linear(t, a.causal, "out_in" if a.reference == "linear" else "in_out")
    ok = True
    for name, ref in want.items():
        ref = ref.numpy()
        out = got[name].astype(np.float64)
        nan_ok = np.array_equal(np.isnan(ref), np.isnan(out))
        finite = ~np.isnan(ref)
        scale = np.abs(ref[finite]).max() if finite.any() else 1.0
        err = (np.abs(out[finite] - ref[finite]).max() / scale) if finite.any() else 0.0
        passed = nan_ok and err <= a.tolerance
        ok &= passed
        variant = (f" window={a.window}" if a.window else "") + (" alibi" if a.alibi else "")
        print(f"{a.reference} {tag} causal={a.causal}{variant}: {name} max_rel={err:.2e}"
              f"{'' if nan_ok else ' NaN mismatch'} {'PASS' if passed else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
