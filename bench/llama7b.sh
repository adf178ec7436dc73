#!/usr/bin/env bash
# A LLaMA-7B-shaped model with bf16 weights on this machine: examples/llama.attn
# at its defaults (32 layers, hidden 4096, 32 heads, intermediate 11008,
# vocabulary 32000) compiled with --weight-type bf16, a random bf16 checkpoint
# (13.5 GB, written tensor by tensor by bench/random_checkpoint.py), then the
# decode step timed by attnc-bench at each thread count under /usr/bin/time,
# next to attnc-bandwidth at the same count.
#
# usage: bench/llama7b.sh [--threads "1 2"] [--dir DIR] [--runs N] [--keep]
#
# Prints one line per thread count: ms per token, tokens/s, the GB/s the step
# streams (every bf16 matrix but the embedding table, read one row at a
# time), its share of the measured read bandwidth, and the process's peak
# RSS. DIR (default /tmp/attnc-llama7b) holds the .so and the checkpoint;
# both are removed at the end unless --keep. Needs about 14 GB of free
# memory and 14 GB of disk. docs/performance.md quotes a run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
threads="1 2" dir=/tmp/attnc-llama7b runs=5 keep=""
usage="usage: $0 [--threads \"1 2\"] [--dir DIR] [--runs N] [--keep]"
while (($#)); do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
for tool in attnc attnc-bench attnc-bandwidth; do
  [[ -x $build/bin/$tool ]] || { echo "llama7b: $build/bin/$tool is missing: run tools/build.sh" >&2; exit 1; }
done
mkdir -p "$dir"
[[ $keep ]] || trap 'rm -f "$dir/llama7b.so" "$dir/weights.safetensors"' EXIT

so=$dir/llama7b.so weights=$dir/weights.safetensors
"$build/bin/attnc" compile "$root/examples/llama.attn" --weight-type bf16 -o "$so"
if [[ ! -s $weights ]]; then
  ATTNC_RUNTIME_LIBRARY=$build/lib/libattnc_runtime.so \
    /usr/bin/python3 "$root/bench/random_checkpoint.py" "$so" "$weights"
fi
# Bytes a decode step streams: the checkpoint (all bf16 but the small f32
# norms) less the embedding table, of which it reads one row.
weight_bytes=$(stat -c %s "$weights")
embedding_bytes=$((32000 * 4096 * 2))
step_bytes=$((weight_bytes - embedding_bytes))

echo "llama7b: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), checkpoint $((weight_bytes / 1000000)) MB"
for t in $threads; do
  log=$(mktemp)
  /usr/bin/time -v "$build/bin/attnc-bench" "$so" --weights "$weights" \
    --dim batch=1 --dim seq=16 --decode 16 --runs "$runs" --warmup 1 \
    --threads "$t" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  median=$(sed -n 's/^median_ms=\([0-9.]*\).*/\1/p' "$log")
  cpu=$(sed -n 's/.*median_cpu_ms=\([0-9.]*\).*/\1/p' "$log")
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  gbs=$("$build/bin/attnc-bandwidth" --threads "$t" --mib 1024 --runs 5 |
        sed -n 's/^read_gbs=//p')
  rm -f "$log"
  awk -v t="$t" -v ms="$median" -v cpu="$cpu" -v bytes="$step_bytes" \
      -v bw="$gbs" -v rss="$rss_kb" 'BEGIN {
    s = bytes / (ms / 1000) / 1e9
    printf "threads=%d decode_ms=%.1f cpu_ms=%.1f tokens_per_s=%.2f step_gb=%.2f streamed_gbs=%.1f read_gbs=%.1f share=%.0f%% peak_rss_gb=%.2f\n",
      t, ms, cpu, 1000 / ms, bytes / 1e9, s, bw, 100 * s / bw, rss * 1024 / 1e9
  }'
done
