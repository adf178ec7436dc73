"""Runs a model at several thread counts on the inputs torch-check.py wrote
and checks that every run writes the same bytes.

usage: compare-threads.py MODEL.so WORKDIR THREADS...

WORKDIR holds one weights-*.safetensors and one inputs-*.safetensors (one
torch-check.py case). Prints "the same bytes at every thread count", or each
count whose output differs from the first's, and exits 1.
"""
import glob, os, subprocess, sys


def only(pattern):
    found = glob.glob(pattern)
    if len(found) != 1:
        sys.exit(f"error: expected one file {pattern}, found {len(found)}")
    return found[0]


def main():
    model, workdir, counts = sys.argv[1], sys.argv[2], sys.argv[3:]
    weights = only(os.path.join(workdir, "weights-*.safetensors"))
    inputs = only(os.path.join(workdir, "inputs-*.safetensors"))
    outputs = {}
    for count in counts:
        path = os.path.join(workdir, f"threads{count}.safetensors")
        subprocess.check_call(["attnc", "run", model, "--threads", count,
                               "--weights", weights, "--inputs", inputs,
                               "--outputs", path])
        with open(path, "rb") as f:
            outputs[count] = f.read()
    first = counts[0]
    differ = [c for c in counts if outputs[c] != outputs[first]]
    for count in differ:
        print(f"{count} threads: output differs from {first} thread(s)")
    if differ:
        return 1
    print("the same bytes at every thread count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
