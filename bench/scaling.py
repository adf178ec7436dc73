"""Turns bench/run.sh's raw timings into issue 14's scaling table.

usage: scaling.py RAW.tsv [ROW...]
RAW.tsv lines: row-id <TAB> threads <TAB> side <TAB> wall-ms <TAB> cpu-ms.
For each row (default: the rows issue 14 names that RAW.tsv has), side
(attnc, PyTorch) and thread count: the median wall time, the speedup over
the same side at 1 thread, the parallel efficiency (speedup / threads) and
the median CPU time per wall time (how many cores the process kept busy:
below the thread count, threads were waiting). docs/performance.md tells
how to read it.
"""
import collections
import statistics
import sys

ROWS = {
    "block128": "GPT-2 block, S=128",
    "block512": "GPT-2 block, S=512",
    "prefill128": "GPT-2 12-layer prefill, S=128",
    "prefill512": "GPT-2 12-layer prefill, S=512",
    "decode512": "GPT-2 decode step, context 512",
}
SIDES = ["attnc", "PyTorch"]


def load(path):
    wall, cpu = collections.defaultdict(list), collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            row, threads, side, wall_ms, cpu_ms = line.rstrip("\n").split("\t")
            key = (row, int(threads), side)
            wall[key].append(float(wall_ms))
            cpu[key].append(float(cpu_ms))
    return ({k: statistics.median(v) for k, v in wall.items()},
            {k: statistics.median(v) for k, v in cpu.items()})


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    wall, cpu = load(sys.argv[1])
    rows = sys.argv[2:] or [r for r in ROWS if any(k[0] == r for k in wall)]
    out = ["| workload | threads | attnc ms | speedup | efficiency | CPU/wall "
           "| PyTorch ms | speedup | efficiency | CPU/wall |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        threads = sorted({t for (r, t, s) in wall if r == row and s in SIDES})
        for t in threads:
            cells = [ROWS.get(row, row), str(t)]
            for side in SIDES:
                ms, one = wall.get((row, t, side)), wall.get((row, 1, side))
                if ms is None:
                    cells += ["-"] * 4
                    continue
                speedup = one / ms if one else None
                cells += [f"{ms:.2f}",
                          f"{speedup:.2f}x" if speedup else "-",
                          f"{100 * speedup / t:.0f}%" if speedup else "-",
                          f"{cpu[(row, t, side)] / ms:.2f}"]
            out.append("| " + " | ".join(cells) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
