"""Checks `attnc bench --json` output: every field present, times positive
and ordered (min <= q1 <= median <= q3 <= max), tokens/s consistent with the
median. No timing assertions: only that the numbers are well formed.

usage: check_bench_json.py FILE MODE TOKENS_PER_CALL
"""
import json
import sys

FIELDS = ["model", "dims", "weights", "threads", "mode", "runs", "warmup", "first_ms",
          "first_cpu_ms", "median_ms", "min_ms", "max_ms", "q1_ms", "q3_ms",
          "median_cpu_ms", "first_over_median", "tokens_per_call", "tokens_per_s",
          "times_ms"]
POSITIVE = ["first_ms", "median_ms", "min_ms", "max_ms", "q1_ms", "q3_ms", "tokens_per_s",
            "first_over_median"]

r = json.load(open(sys.argv[1]))
missing = [f for f in FIELDS if f not in r]
bad = [f for f in POSITIVE if not r.get(f, 0) > 0]
if not r["min_ms"] <= r["q1_ms"] <= r["median_ms"] <= r["q3_ms"] <= r["max_ms"]:
    bad.append("order")
if abs(r["tokens_per_s"] - r["tokens_per_call"] / (r["median_ms"] / 1e3)) > 1e-6 * r["tokens_per_s"]:
    bad.append("tokens_per_s")
if sorted(r["times_ms"])[len(r["times_ms"]) // 2] < r["min_ms"]:
    bad.append("times")
line = (f"mode={r['mode']} tokens_per_call={r['tokens_per_call']} "
        f"fields={'ok' if not missing else missing} positive={'ok' if not bad else bad} "
        f"times={len(r['times_ms'])}")
if r["mode"] == "decode":
    bad_prefill = "" if r.get("prefill_ms", 0) > 0 else " prefill=bad"
    line += f" context={r['context']} weights={r['weights']}{bad_prefill}"
print(line)
