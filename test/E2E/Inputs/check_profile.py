"""Checks attnc bench --profile --json against what the run must show.

Usage: check_profile.py BENCH_JSON RUNS LAYERS

Every kernel of the forward entry reports RUNS calls (RUNS * LAYERS inside the
layer loop); the step entry's kernels none (the bench runs forward only). The
profile's total is the bench's own timing of the same calls (the sum of
times_ms) within 15% + 1 ms: the bench also times binding the inputs, the
profile only the compiled code. Kernel time never exceeds the run's.
"""
import json
import sys

bench = json.load(open(sys.argv[1]))
runs, layers = int(sys.argv[2]), int(sys.argv[3])
profile = bench["profile"]
regions = profile["regions"]
assert [r["id"] for r in regions] == list(range(len(regions))), "ids"
bad = []
for r in regions:
    want = 0
    if r["entry"] == "forward":
        want = runs * (layers if r.get("layered") else 1)
    if r["calls"] != want:
        bad.append((r["id"], r["kind"], r["calls"], want))
forward = sum(r["entry"] == "forward" for r in regions)
measured = sum(bench["times_ms"])
total = profile["run_ms"]
kernels = profile["parallel_ms"] + profile["serial_ms"]
margin = 0.15 * measured + 1.0
print("regions=%d forward=%d layered=%d runs=%d calls=%s" % (
    len(regions), forward, sum(r["layered"] for r in regions if "layered" in r),
    profile["runs"], "ok" if not bad else bad))
print("total=%s kernels<=total=%s threads=%d busy=%s" % (
    "ok" if abs(total - measured) <= margin else
    "%.3f vs %.3f ms" % (total, measured),
    "ok" if kernels <= total + 1e-6 else "%.3f > %.3f" % (kernels, total),
    profile["threads"],
    "ok" if all(b > 0 for b in profile["thread_busy_ms"]) else
    profile["thread_busy_ms"]))
