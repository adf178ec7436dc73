"""Resident memory of a model's weights after loading, against the storage
its manifest declares (docs/abi.md): the parameters the code reads plus the
packed panels, at the bytes per element of their dtypes. Prints one line per
model, and the ratio of two models' resident weights when given two.

usage: weight_residency.py CHECKPOINT MODEL.so [MODEL.so]
       weight_residency.py --make-checkpoint CHECKPOINT MODEL.so
(random f32 weights for MODEL.so). Each model is loaded in a fresh process, so that one's freed memory does not
hide the other's.
"""
import math
import os
import subprocess
import sys

import numpy as np

import attnc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "reference"))
import safetensors_np  # noqa: E402

BYTES = {"f32": 4, "bf16": 2, "f16": 2, "i8": 1, "i32": 4, "i64": 8}


def status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field}")


def rss_bytes():
    return status_bytes("VmRSS")


def reset_peak():
    """Makes VmHWM start again from the current RSS (proc(5), clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def declared(manifest):
    """(resident bytes, dtypes, held) the manifest declares; held: the f32
    bytes of the largest unstacked parameter read only through packs (an
    int8 embedding table), which a load holds whole while its packs are
    built (stacked ones are built a layer at a time)."""
    size = lambda t: BYTES[t["dtype"]] * math.prod(t["shape"])
    params = [p for p in manifest["params"] if p.get("read", True)]
    packs = manifest.get("packed_params") or []
    dtypes = sorted({t["dtype"] for t in manifest["params"] + packs})
    held = max([4 * math.prod(p["shape"]) for p in manifest["params"]
                if not p.get("read", True) and not p.get("layers")], default=0)
    return sum(map(size, params)) + sum(map(size, packs)), dtypes, held


def measure(checkpoint, so):
    model = attnc.Model(so)
    expected, dtypes, held = declared(model.manifest)
    reset_peak()
    before = rss_bytes()
    model.load_weights(checkpoint)
    grown = rss_bytes() - before
    peak = status_bytes("VmHWM") - before
    print(f"{so.rsplit('/', 1)[-1]}: dtypes {','.join(dtypes)} declared {expected} "
          f"resident {grown} peak {peak}")
    return expected, grown, peak, held


def make_checkpoint(path, so):
    rng = np.random.default_rng(15)
    tensors = {}
    for p in attnc.Model(so).manifest["params"]:
        layers = p.get("layers", 0)
        shape = p["shape"][1:] if layers else p["shape"]
        for i in range(max(layers, 1)):
            name = p["tensor"].replace("{i}", str(i))
            tensors[name] = (0.02 * rng.standard_normal(shape)).astype(np.float32)
    safetensors_np.save(path, tensors)


def main():
    if sys.argv[1] == "--make-checkpoint":
        make_checkpoint(sys.argv[2], sys.argv[3])
        return 0
    checkpoint, models = sys.argv[1], sys.argv[2:]
    if models[0] == "--one":
        expected, grown, peak, held = measure(checkpoint, models[1])
        # 5% and 2 MiB for the allocator and page rounding. An f32 model
        # may hold less: tensors used in place in the checkpoint's mapping
        # and read only a few rows at a time (an embedding that is also
        # packed) are left to the page cache.
        slack = 0.05 * expected + 2 * 2**20
        print(f"at most declared: {grown <= expected + slack}")
        print(f"equal to declared: {abs(grown - expected) <= slack}")
        # Loading holds the packs and one layer's members at a time, never
        # the stacked weights twice (Weights.cpp, isStreamed), and at most
        # one unstacked member whole (`held`); 2 MiB as above.
        print(f"peak at most 1.1 x declared and one table: "
              f"{peak <= 1.1 * expected + held + 2 * 2**20}")
        return 0
    declared_bytes = []
    for so in models:
        out = subprocess.run([sys.executable, __file__, checkpoint, "--one", so],
                             capture_output=True, text=True)
        sys.stdout.write(out.stdout + out.stderr)
        if out.returncode:
            return 1
        declared_bytes.append(int(out.stdout.split("declared ")[1].split()[0]))
    if len(declared_bytes) == 2:
        print(f"declared ratio: {declared_bytes[1] / declared_bytes[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
