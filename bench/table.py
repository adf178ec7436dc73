"""Turns bench/run.sh's raw timings into issue 7's markdown table.

usage: table.py [--clock wall|cpu] RAW.tsv
RAW.tsv lines: row-id <TAB> threads <TAB> side <TAB> wall-ms <TAB> cpu-ms,
one per timed run (sides: attnc, attnc-f32, oneDNN, OpenBLAS, PyTorch,
PyTorch-bf16 (bench/run.sh --torch-peer transformers); row "machine"
has sides peak and bandwidth). Medians are over every run of every round.
Ratios are peer time / attnc time (> 1: attnc is faster); targets are
issue 7's, stated for 1 thread. --clock cpu uses process CPU time and keeps
the 1-thread rows only (CPU time sums threads).
"""
import argparse
import collections
import statistics

ISSUE_PEAK_PER_CORE = 173e9  # FLOP/s, issue 7's figure for this machine type
PEAK_FLOP = 2**32            # what attnc-peak computes per thread per run
BANDWIDTH_BYTES = 512 * 2**20  # what attnc-bandwidth reads per run


# Bytes per int8 weight: the value and its share of its block's f16 scale
# (docs/abi.md "int8 weights").
INT8_BYTES = 1 + 2 / 32


def gpt2_decode_bytes(context, vocab=50257, n_embd=768, n_layer=12,
                      matrix_bytes=4, kv_bytes=4, batch=1):
    """Bytes one decode step reads: every weight but wpe (one row of it),
    once for the batch, and the keys and values of `context` tokens of each
    of `batch` sequences in every layer. The
    matrices take `matrix_bytes` per element (2: --weight-type bf16, 1.0625:
    int8 with its f16 scales), the keys and values `kv_bytes` (2:
    --kv-cache-type bf16); norm weights and biases are f32."""
    matrices = vocab * n_embd + n_layer * 12 * n_embd * n_embd
    vectors = n_layer * (13 * n_embd) + 2 * n_embd
    kv = 2 * n_layer * context * n_embd * batch
    return matrix_bytes * matrices + 4 * vectors + kv_bytes * kv


def mm(m, n, k):
    return dict(label=f"matmul {m}x{n}x{k}", flop=2 * m * n * k,
                peers=["oneDNN", "OpenBLAS", "PyTorch"],
                target=("oneDNN", 0.9), peak_target=0.85)


def encoder_flop(tokens, layers=12, d=768, ff=3072):
    """A base-size encoder's products and attention (non-causal)."""
    return layers * 2 * tokens * (4 * d * d + 2 * d * ff + 2 * tokens * d)


# Issue 14: 2 threads >= 1.9x faster than 1 on the 12-layer prefill, S=128.
PREFILL_2V1_TARGET = 1.9

# id -> label, FLOP per call (for GFLOP/s), peers, (peer, minimum ratio)
ROWS = {
    "mm512x768x768": mm(512, 768, 768),
    "mm512x3072x768": mm(512, 3072, 768),
    "mm512x768x3072": mm(512, 768, 3072),
    "mm128x768x768": mm(128, 768, 768),
    "block128": dict(label="GPT-2-small block, S=128", peers=["PyTorch"],
                     target=("PyTorch", 1.6)),
    "block512": dict(label="GPT-2-small block, S=512", peers=["PyTorch"],
                     target=("PyTorch", 1.6)),
    "block1024": dict(label="GPT-2-small block, S=1024", peers=["PyTorch"],
                      target=("PyTorch", 1.6)),
    "llama128": dict(label="TinyLlama-1.1B layer (GQA 32/4, SwiGLU), S=128",
                     flop=2 * 128 * (2 * 2048 * 2048 + 2 * 2048 * 256
                                     + 3 * 2048 * 5632),
                     peers=["PyTorch"], target=("PyTorch", 1.6)),
    "prefill128": dict(label="GPT-2-small 12-layer prefill, S=128 (logits)",
                       peers=["PyTorch"], target=("PyTorch", 1.8)),
    # Encoders (no issue sets a target): ViT-B/16 on one 224 x 224 picture
    # (197 tokens) and BERT-base on 128 tokens, against PyTorch's
    # nn.TransformerEncoderLayer (its fused inference path).
    "vit224": dict(label="ViT-B/16 classifier, 1 picture (197 tokens)",
                   flop=encoder_flop(197) + 2 * 196 * 768 * 768, peers=["PyTorch"]),
    "bert128": dict(label="BERT-base encoder, S=128", flop=encoder_flop(128),
                    peers=["PyTorch"]),
    "attn2048": dict(label="causal attention 12x64, S=2048",
                     flop=2 * 2048 * 2048 * 64 * 12, peers=["PyTorch"],
                     target=("PyTorch", 3.0)),
    # Issue 14: decode at 2 threads >= 90% of 2-thread read bandwidth.
    "decode512": dict(label="GPT-2-small decode step, context 512 (logits)",
                      bytes=gpt2_decode_bytes(512), peers=["PyTorch"],
                      target=("PyTorch", 1.6), bandwidth_target=0.9),
    "decode1024": dict(label="GPT-2-small decode step, context 1024 (logits)",
                       bytes=gpt2_decode_bytes(1024), peers=["PyTorch"],
                       target=("PyTorch", 1.6), bandwidth_target=0.8),
    # Four sequences decoded together (one step: 4 tokens), no target: the
    # weights are read once for the batch.
    "decode128x4": dict(label="GPT-2-small decode, batch of 4, context 128 (logits)",
                        bytes=gpt2_decode_bytes(192, batch=4), per="step",
                        peers=["PyTorch"]),
    # Issue 15: bf16 weights against the same model in f32.
    "decode128bf16": dict(label="GPT-2-small decode, context 128, bf16 weights",
                          bytes=gpt2_decode_bytes(192, matrix_bytes=2),
                          peers=["attnc-f32"], target=("attnc-f32", 1.8),
                          bandwidth_target=0.8),
    "decode1024bf16": dict(label="GPT-2-small decode, context 1024, bf16 weights",
                           bytes=gpt2_decode_bytes(1024, matrix_bytes=2),
                           peers=["attnc-f32"], target=("attnc-f32", 1.8),
                           bandwidth_target=0.8),
    "prefill128bf16": dict(label="GPT-2-small prefill, S=128, bf16 weights",
                           peers=["attnc-f32"], target=("attnc-f32", 1.5)),
    # bf16 weights, activations rounded to bf16: bf16 dot products.
    "prefill128bf16dot": dict(label="GPT-2-small prefill, S=128, bf16 dot products",
                              peers=["attnc-f32", "PyTorch-bf16"],
                              target=("attnc-f32", 1.5)),
    "prefill512bf16dot": dict(label="GPT-2-small prefill, S=512, bf16 dot products",
                              peers=["attnc-f32", "PyTorch-bf16"],
                              target=("attnc-f32", 1.5)),
    "decode128bf16dot": dict(label="GPT-2-small decode, context 128, bf16 dot products",
                             bytes=gpt2_decode_bytes(192, matrix_bytes=2),
                             peers=["attnc-f32"], target=("attnc-f32", 1.8),
                             bandwidth_target=0.8),
    # int8 weights (1.0625 bytes each with their f16 scales) against f32.
    "decode128int8": dict(label="GPT-2-small decode, context 128, int8 weights",
                          bytes=gpt2_decode_bytes(192, matrix_bytes=INT8_BYTES),
                          peers=["attnc-f32"], target=("attnc-f32", 3.0),
                          bandwidth_target=0.8),
    "prefill128int8": dict(label="GPT-2-small prefill, S=128, int8 weights",
                           peers=["attnc-f32"], target=("attnc-f32", 1.0)),
    # int8 weights, activations quantized to int8: int8 dot products.
    "decode128int8dot": dict(label="GPT-2-small decode, context 128, int8 dot products",
                             bytes=gpt2_decode_bytes(192, matrix_bytes=INT8_BYTES),
                             peers=["attnc-f32"], target=("attnc-f32", 3.0),
                             bandwidth_target=0.8),
    "prefill128int8dot": dict(label="GPT-2-small prefill, S=128, int8 dot products",
                              peers=["attnc-f32"], target=("attnc-f32", 1.0)),
    "prefill512int8dot": dict(label="GPT-2-small prefill, S=512, int8 dot products",
                              peers=["attnc-f32"], target=("attnc-f32", 1.0)),
}
# The long context with dot products (issue 15), the KV cache in f32 or in
# bf16 (--kv-cache-type bf16, rows ...kv), against f32.
for weights, matrix_bytes, ratio in (("bf16", 2, 1.8), ("int8", INT8_BYTES, 3.0)):
    for kv_bytes, suffix, cache in ((4, "", ""), (2, "kv", ", bf16 KV cache")):
        ROWS[f"decode1024{weights}dot{suffix}"] = dict(
            label=f"GPT-2-small decode, context 1024, {weights} dot products{cache}",
            bytes=gpt2_decode_bytes(1024, matrix_bytes=matrix_bytes, kv_bytes=kv_bytes),
            peers=["attnc-f32"], target=("attnc-f32", ratio), bandwidth_target=0.8)


def load(path, clock):
    runs = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            row, threads, side, wall, cpu = line.split("\t")
            if clock == "cpu" and threads != "1":
                continue
            runs[row, int(threads), side].append(
                float(wall if clock == "wall" else cpu))
    return {k: (statistics.median(v), len(v)) for k, v in runs.items()}


def verdict(ok):
    return "met" if ok else "**not met**"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("raw")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = p.parse_args()
    med = load(args.raw, args.clock)
    threads = sorted({t for (_, t, _) in med})
    peak = {t: PEAK_FLOP * t / med["machine", t, "peak"][0] / 1e-3
            for t in threads if ("machine", t, "peak") in med}
    bandwidth = {t: BANDWIDTH_BYTES / med["machine", t, "bandwidth"][0] / 1e-3
                 for t in threads if ("machine", t, "bandwidth") in med}
    out = ["| workload | threads | attnc ms | peer | peer ms | peer / attnc "
           "| attnc throughput | target (1 thread) | |",
           "|---|---|---|---|---|---|---|---|---|"]
    for row, spec in ROWS.items():
        for t in threads:
            if (row, t, "attnc") not in med:
                continue
            a, n = med[row, t, "attnc"]
            notes, checks = [], []
            if "flop" in spec:
                rate = spec["flop"] / a / 1e6
                notes.append(f"{rate:.0f} GFLOP/s")
                if "peak_target" in spec:
                    issue = rate * 1e9 / (ISSUE_PEAK_PER_CORE * t)
                    notes[-1] += f", {100 * issue:.0f}% of 173/core"
                    if t in peak:
                        share = rate * 1e9 / peak[t]
                        notes[-1] += f", {100 * share:.0f}% of measured peak"
                        checks.append((f">= {100 * spec['peak_target']:.0f}% "
                                       "of measured peak",
                                       share >= spec["peak_target"]))
            if "bytes" in spec and t in bandwidth:
                gbs = spec["bytes"] / a / 1e6
                machine = bandwidth[t] / 1e9
                share = gbs / machine
                notes.append(f"{spec['bytes'] / 1e6:.0f} MB/{spec.get('per', 'token')}: {gbs:.1f} "
                             f"GB/s, {100 * share:.0f}% of measured "
                             f"{machine:.1f} GB/s")
                if "bandwidth_target" in spec:
                    checks.append((f">= {100 * spec['bandwidth_target']:.0f}% of "
                                   "bandwidth", share >= spec["bandwidth_target"]))
            for peer in spec["peers"]:
                if (row, t, peer) not in med:
                    continue
                p, _ = med[row, t, peer]
                target, verdicts = "", ""
                peer_checks = list(checks) if peer == spec["peers"][0] else []
                if spec.get("target", (None,))[0] == peer:
                    peer_checks.insert(0, (f">= {spec['target'][1]}x {peer}",
                                           p / a >= spec["target"][1]))
                if peer_checks:
                    target = ", ".join(c for c, _ in peer_checks)
                    verdicts = ", ".join(verdict(ok) for _, ok in peer_checks)
                out.append(f"| {spec['label']} | {t} | {a:.2f} | {peer} | "
                           f"{p:.2f} | {p / a:.2f}x | {'; '.join(notes)} | "
                           f"{target} | {verdicts} |")
    if ("prefill128", 1, "attnc") in med and ("prefill128", 2, "attnc") in med:
        a = med["prefill128", 1, "attnc"][0] / med["prefill128", 2, "attnc"][0]
        peer = "-"
        if ("prefill128", 2, "PyTorch") in med:
            p = (med["prefill128", 1, "PyTorch"][0]
                 / med["prefill128", 2, "PyTorch"][0])
            peer = f"{p:.2f}x"
        out.append(f"| 2 threads vs 1 on the prefill, S=128 | 2 vs 1 | "
                   f"{a:.2f}x | PyTorch | {peer} | - | 1-thread time / "
                   f"2-thread time | >= {PREFILL_2V1_TARGET}x | "
                   f"{verdict(a >= PREFILL_2V1_TARGET)} |")
    firsts = [f"{ROWS[row]['label']}, {t} thread{'s' if t > 1 else ''}: "
              f"{med[row, t, 'attnc first'][0] / med[row, t, 'attnc'][0]:.2f}x"
              for row in ROWS for t in threads
              if (row, t, "attnc first") in med and (row, t, "attnc") in med]
    if firsts:
        out.append("")
        out.append("attnc's first call after loading (median over rounds) / "
                   "its warm median (target <= 1.2x): " + "; ".join(firsts)
                   + ".")
    runs = sorted({n for (key, (_, n)) in med.items()
                   if not key[2].endswith(" first")})
    out.append("")
    machine = "; ".join(
        f"{t} thread{'s' if t > 1 else ''}: FMA peak "
        f"{peak.get(t, 0) / 1e9:.0f} GFLOP/s, read bandwidth "
        f"{bandwidth.get(t, 0) / 1e9:.1f} GB/s" for t in threads)
    out.append(f"{args.clock} clock; medians of {'/'.join(map(str, runs))} timed "
               f"runs per cell. Measured in this run: {machine}.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
