#!/usr/bin/env bash
# attnc against PyTorch 1.13 on the workloads of docs/performance.md.
#
#   bench/run.sh [--threads "1 2"] [--rounds 3] [--runs 3]
#
# Builds attnc and attnc-bench (one job), compiles the models, then for each
# workload and thread count alternates attnc and PyTorch: each round runs
# each side in a fresh process (one warm-up run, then --runs timed runs);
# the medians are over all rounds' runs. Both sides use the same thread
# count (ATTNC_NUM_THREADS / torch.set_num_threads); one thread is pinned
# to core 0. Prints a markdown table: wall-clock medians, GFLOP/s where a
# FLOP count is meaningful, and PyTorch time / attnc time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
threads="1 2" rounds=3 runs=3
while (($#)); do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--threads \"1 2\"] [--rounds N] [--runs N]" >&2; exit 2 ;;
  esac
done

if [[ ! -f $build/build.ninja ]]; then
  ATTNC_BUILD_TARGETS=attnc "$root/tools/build.sh" >/dev/null
fi
ninja -C "$build" -j1 attnc attnc-bench >/dev/null
attnc=$build/bin/attnc bench=$build/bin/attnc-bench
python=/usr/bin/python3   # Debian's python3-torch
export OPENBLAS_CORETYPE=SkylakeX
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name | attnc model and flags | attnc-bench dims | torch_bench arguments | GFLOP
workloads=(
  "linear 512x768x768|linear.attn -D n_in=768 -D n_out=768|--dim batch=1 --dim seq=512|linear --m 512 --n 768 --k 768|$((2 * 512 * 768 * 768))"
  "linear 512x3072x768|linear.attn -D n_in=768 -D n_out=3072|--dim batch=1 --dim seq=512|linear --m 512 --n 3072 --k 768|$((2 * 512 * 3072 * 768))"
  "linear 512x768x3072|linear.attn -D n_in=3072 -D n_out=768|--dim batch=1 --dim seq=512|linear --m 512 --n 768 --k 3072|$((2 * 512 * 768 * 3072))"
  "linear 128x768x768|linear.attn -D n_in=768 -D n_out=768|--dim batch=1 --dim seq=128|linear --m 128 --n 768 --k 768|$((2 * 128 * 768 * 768))"
  "causal attention 12x64, S=2048|attention.attn|--dim batch=1 --dim seq=2048|attention --heads 12 --d 64 --seq 2048|$((2 * 2048 * 2048 * 64 * 12))"
  "examples/mha.attn (256, 8 heads), 1x512|../../examples/mha.attn|--dim batch=1 --dim seq=512|mha --d-model 256 --heads 8 --seq 512 --batch 1|0"
)

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
field() { grep -o "^run_ms=[0-9.]*" | cut -d= -f2; }

echo "| workload | threads | attnc ms | PyTorch ms | attnc GFLOP/s | PyTorch GFLOP/s | PyTorch / attnc |"
echo "|---|---|---|---|---|---|---|"
for entry in "${workloads[@]}"; do
  IFS='|' read -r name model dims torch_args flop <<<"$entry"
  read -r -a model_args <<<"$model"
  so=$work/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_').so
  "$attnc" compile "$root/bench/models/${model_args[0]}" "${model_args[@]:1}" -o "$so"
  for t in $threads; do
    pin=()
    ((t == 1)) && pin=(taskset -c 0)
    : >"$work/a" ; : >"$work/p"
    for ((r = 0; r < rounds; ++r)); do
      # shellcheck disable=SC2086
      "${pin[@]}" "$bench" "$so" $dims --threads "$t" --warmup 1 --runs "$runs" | field >>"$work/a"
      # shellcheck disable=SC2086
      "${pin[@]}" "$python" "$root/bench/torch_bench.py" $torch_args --threads "$t" --warmup 1 --runs "$runs" | field >>"$work/p"
    done
    a=$(median <"$work/a") p=$(median <"$work/p")
    awk -v n="$name" -v t="$t" -v a="$a" -v p="$p" -v f="$flop" 'BEGIN {
      ga = f > 0 ? sprintf("%.0f", f / a / 1e6) : "-"
      gp = f > 0 ? sprintf("%.0f", f / p / 1e6) : "-"
      printf "| %s | %d | %.2f | %.2f | %s | %s | %.2fx |\n", n, t, a, p, ga, gp, p / a }'
  done
done
