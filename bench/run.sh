#!/usr/bin/env bash
# Issue 7's benchmark: attnc against oneDNN and OpenBLAS sgemm and PyTorch
# 1.13, side by side in one run (docs/performance.md).
#
#   bench/run.sh [--threads "1 2"] [--scaling-threads "1 2 4 ... nproc"]
#                [--rounds 2] [--runs 3] [--warmup 1]
#                [--only REGEX] [--out FILE] [--raw FILE]
#                [--target-cpu CPU] [--torch-peer own|transformers]
#   bench/run.sh --make-kit DIR [--target-cpu CPU] [--only REGEX]
#
# Builds what it needs (one job), compiles the models, checks that attnc and
# PyTorch agree on a GPT-2 block, then for each workload and thread count
# runs `--rounds` rounds; a round runs every side (attnc, then each peer)
# once in a fresh process: --warmup untimed calls, then --runs timed ones.
# Medians are over all rounds' runs (default 2 x 3 = 6). One thread is
# pinned to the first core it may run on (taskset, where there is one).
# --only keeps the rows whose id matches (mm512x768x768 ... mm128x768x768, block128/512/1024, llama128,
# prefill128/512, vit224, bert128, decode128x4, attn2048, decode512, decode1024, decode128bf16,
# decode1024bf16, prefill128bf16, prefill128bf16dot, prefill512bf16dot,
# decode128bf16dot, decode128int8, prefill128int8, decode128int8dot,
# prefill128int8dot, prefill512int8dot, decode1024bf16dot, decode1024bf16dotkv,
# decode1024int8dot, decode1024int8dotkv). Prints a markdown table (bench/table.py) with the
# machine, the load and the command; --out FILE also writes it there
# (between the markers, if FILE has them: bench/run.sh --out
# docs/performance.md updates the doc's table in place); --raw FILE keeps
# every timed run (row, threads, side, wall ms, CPU ms). The scaling rows
# (block128, block512, prefill128, prefill512, decode512) run at every count
# of --scaling-threads (default 1, 2, 4, ... and every core) and get issue
# 14's scaling table (bench/scaling.py) too.
#
# --target-cpu compiles the models for another CPU (attnc compile
# --target-cpu). --torch-peer transformers times Hugging Face's GPT-2
# (transformers, sdpa attention) for the prefill and decode rows instead of
# bench/torch_gpt2.py. --make-kit DIR runs nothing: it writes DIR, a copy
# of this benchmark that runs where there is no LLVM and no build (another
# machine; docs/performance.md "On another machine: a kit"): the selected
# rows' models compiled for --target-cpu (default sapphirerapids),
# attnc-bench, attnc-bandwidth and attnc-peak as built (run tools/build.sh
# first), the runtime and the shared libraries they need beyond the C and
# C++ libraries, and these scripts. DIR/bench/run.sh then takes the options
# above (not --make-kit or --target-cpu) and uses the python3 on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
threads="1 2" rounds=2 runs=3 warmup=1 only=. out="" keep_raw=""
scaling_threads="" target_cpu="" torch_peer=own kit_dir=""
for ((t = 1; t < $(nproc); t *= 2)); do scaling_threads+="$t "; done
scaling_threads+=$(nproc)
scaling_rows=" block128 block512 prefill128 prefill512 decode512 "
usage="usage: $0 [--threads \"1 2\"] [--scaling-threads \"1 2 4\"] [--rounds N] [--runs N] [--warmup N] [--only REGEX] [--out FILE] [--raw FILE] [--target-cpu CPU] [--torch-peer own|transformers] | --make-kit DIR [--target-cpu CPU] [--only REGEX]"
while (($#)); do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --scaling-threads) scaling_threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --raw) keep_raw=$2; shift 2 ;;
    --target-cpu) target_cpu=$2; shift 2 ;;
    --torch-peer) torch_peer=$2; shift 2 ;;
    --make-kit) kit_dir=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ $torch_peer == own || $torch_peer == transformers ]] || {
  echo "bench: --torch-peer must be own or transformers, found '$torch_peer'" >&2; exit 2; }
# A kit (--make-kit) holds the file KIT at its top: tools and models built.
from_kit=""
[[ -f $root/KIT ]] && from_kit=1
if [[ $from_kit && ($kit_dir || $target_cpu) ]]; then
  echo "bench: this is a kit ($root/KIT): its models are compiled already; --make-kit and --target-cpu need the source tree" >&2
  exit 2
fi
if [[ $kit_dir ]]; then
  kit_dir=$(realpath -m "$kit_dir")
  [[ $target_cpu ]] || target_cpu=sapphirerapids
fi
((rounds * runs >= 5)) || echo "bench: warning: fewer than 5 timed runs per cell" >&2
# /proc/loadavg and lscpu's model name, as far as the machine has them (a
# kit runs on machines this tree was not built on).
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
cpu_model() { lscpu 2>/dev/null | sed -n 's/^Model name: *//p' || true; }
started=$(date +%s) load_before=$(load)
# One thread runs on the first core this process may use (not core 0 where a
# cpuset leaves it out); unpinned where taskset is missing.
pin_core=$(taskset -cp $$ 2>/dev/null | sed -n 's/.*list: *\([0-9]*\).*/\1/p' || true)

bin=$build/bin
python=/usr/bin/python3   # Debian's python3-torch
sgemm_peers=()
if [[ $from_kit ]]; then
  export LD_LIBRARY_PATH=$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  python=python3
  echo "bench: a kit: $(head -n 1 "$root/KIT"); no sgemm peers" >&2
elif [[ $kit_dir ]]; then
  # The tools as built (no ninja here: the kit's test runs inside the
  # build's own check target).
  for tool in attnc attnc-bench attnc-bandwidth attnc-peak; do
    [[ -x $bin/$tool ]] || { echo "bench: $bin/$tool is missing: run tools/build.sh" >&2; exit 1; }
  done
else
  "$root/tools/install-deps.sh"   # PyTorch, oneDNN, OpenBLAS: only what is missing
  if [[ ! -f $build/build.ninja ]]; then
    ATTNC_BUILD_TARGETS=attnc "$root/tools/build.sh" >/dev/null
  elif ! ninja -C "$build" -t targets all | grep -q '^attnc-sgemm-peer:'; then
    cmake "$build" >/dev/null   # configured before oneDNN/OpenBLAS were installed
  fi
  ninja -C "$build" -j1 attnc attnc-bench attnc-bandwidth attnc-peak >/dev/null
  if ninja -C "$build" -j1 attnc-sgemm-peer >/dev/null 2>&1; then
    sgemm_peers=(oneDNN OpenBLAS)
  else
    echo "bench: no oneDNN/OpenBLAS (tools/install-deps.sh): sgemm rows vs PyTorch only" >&2
  fi
fi
# Debian's OpenBLAS 0.3.21 (PyTorch's BLAS too) misdetects this CPU and runs
# SSE3 kernels unless told the core type.
export OPENBLAS_CORETYPE=SkylakeX
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw=$work/raw.tsv
: >"$raw"

# The compiled models: the run's own, a kit's, or the kit being made.
models=$work
[[ $from_kit ]] && models=$root/models
if [[ $kit_dir ]]; then
  # Models a kit made earlier would be kept by compile(): start afresh.
  models=$kit_dir/models
  mkdir -p "$models"
  rm -f "$models"/*.so
fi
compile() { # name model.attn flags...
  [[ -f $models/$1.so ]] && return
  if [[ $from_kit ]]; then
    echo "bench: $1.so is not in this kit ($models): make the kit with an --only that selects this row" >&2
    exit 1
  fi
  "$bin/attnc" compile "$2" "${@:3}" ${target_cpu:+--target-cpu "$target_cpu"} \
    -o "$models/$1.so"
}

# row id | attnc .so | attnc-bench arguments | torch_bench.py arguments
rows=()
for shape in 512x768x768 512x3072x768 512x768x3072 128x768x768; do
  IFS=x read -r m n k <<<"$shape"
  rows+=("mm$shape|linear${k}x$n|--dim batch=1 --dim seq=$m|linear --m $m --n $n --k $k")
done
for s in 128 512 1024; do
  rows+=("block$s|block|--dim batch=1 --dim seq=$s|block --seq $s")
done
rows+=("llama128|llamablock|--dim batch=1 --dim seq=128|llamablock --seq 128")
rows+=("prefill128|gpt2|--dim batch=1 --dim seq=128|gpt2 --seq 128")
rows+=("prefill512|gpt2|--dim batch=1 --dim seq=512|gpt2 --seq 512")
rows+=("decode512|gpt2|--dim batch=1 --dim seq=512 --decode 512|decode --seq 512")
rows+=("vit224|vit|--dim batch=1|vit --batch 1")
rows+=("bert128|bert|--dim batch=1 --dim seq=128|bert --batch 1 --seq 128")
rows+=("decode128x4|gpt2|--dim batch=4 --dim seq=128 --decode 128|decode --seq 128 --batch 4")
rows+=("attn2048|attention|--dim batch=1 --dim seq=2048|attention --heads 12 --d 64 --seq 2048")
# n_positions=2048 leaves room for the steps after 1024 tokens (the weights
# read per token are unchanged: one row of wpe).
rows+=("decode1024|gpt2-2048|--dim batch=1 --dim seq=1024 --decode 1024|decode --seq 1024")
# GPT-2 with bf16 weights (attnc compile --weight-type bf16) against the same
# model in f32 (side attnc-f32), no PyTorch: a short context (decode of 128
# tokens after 128), the long one, and a prefill.
rows+=("decode128bf16|gpt2-bf16|--dim batch=1 --dim seq=128 --decode 128|")
rows+=("decode1024bf16|gpt2-2048-bf16|--dim batch=1 --dim seq=1024 --decode 1024|")
rows+=("prefill128bf16|gpt2-bf16|--dim batch=1 --dim seq=128|")
# bf16 weights and activations rounded to bf16 (--weight-type bf16
# --round-activations: vdpbf16ps with AVX512_BF16), against f32.
rows+=("prefill128bf16dot|gpt2-bf16dot|--dim batch=1 --dim seq=128|")
rows+=("prefill512bf16dot|gpt2-bf16dot|--dim batch=1 --dim seq=512|")
rows+=("decode128bf16dot|gpt2-bf16dot|--dim batch=1 --dim seq=128 --decode 128|")
# The same with int8 weights (--weight-type int8), against f32.
rows+=("decode128int8|gpt2-int8|--dim batch=1 --dim seq=128 --decode 128|")
rows+=("prefill128int8|gpt2-int8|--dim batch=1 --dim seq=128|")
# int8 weights and activations quantized to int8 (--round-activations).
rows+=("decode128int8dot|gpt2-int8dot|--dim batch=1 --dim seq=128 --decode 128|")
rows+=("prefill128int8dot|gpt2-int8dot|--dim batch=1 --dim seq=128|")
rows+=("prefill512int8dot|gpt2-int8dot|--dim batch=1 --dim seq=512|")
# The long context with bf16 and int8 dot products, its KV cache in f32 or
# in bf16 (--kv-cache-type bf16: half the bytes a step reads from the
# cache), against f32.
for w in bf16dot int8dot; do
  rows+=("decode1024$w|gpt2-2048-$w|--dim batch=1 --dim seq=1024 --decode 1024|")
  rows+=("decode1024${w}kv|gpt2-2048-${w}kv|--dim batch=1 --dim seq=1024 --decode 1024|")
done

build_model() {
  case $1 in
    linear*x*) local dims=${1#linear}
      compile "$1" "$root/bench/models/linear.attn" -D "n_in=${dims%x*}" -D "n_out=${dims#*x}" ;;
    block) compile block "$root/bench/models/gpt2-block.attn" ;;
    llamablock) compile llamablock "$root/bench/models/llama-block.attn" ;;
    gpt2) compile gpt2 "$root/examples/gpt2.attn" ;;
    gpt2-2048) compile gpt2-2048 "$root/examples/gpt2.attn" -D n_positions=2048 ;;
    gpt2-bf16) build_model gpt2
      compile gpt2-bf16 "$root/examples/gpt2.attn" --weight-type bf16 ;;
    gpt2-2048-bf16) build_model gpt2-2048
      compile gpt2-2048-bf16 "$root/examples/gpt2.attn" -D n_positions=2048 \
        --weight-type bf16 ;;
    gpt2-bf16dot) build_model gpt2
      compile gpt2-bf16dot "$root/examples/gpt2.attn" --weight-type bf16 \
        --round-activations ;;
    gpt2-int8) build_model gpt2
      compile gpt2-int8 "$root/examples/gpt2.attn" --weight-type int8 ;;
    gpt2-int8dot) build_model gpt2
      compile gpt2-int8dot "$root/examples/gpt2.attn" --weight-type int8 \
        --round-activations ;;
    gpt2-2048-*dot*) build_model gpt2-2048
      local type=${1#gpt2-2048-}   # bf16dot, int8dotkv, ...
      local flags=(--weight-type "${type%dot*}" --round-activations)
      [[ $1 == *kv ]] && flags+=(--kv-cache-type bf16)
      compile "$1" "$root/examples/gpt2.attn" -D n_positions=2048 "${flags[@]}" ;;
    attention) compile attention "$root/bench/models/attention.attn" ;;
    vit) compile vit "$root/examples/vit.attn" ;;
    bert) compile bert "$root/examples/bert.attn" ;;
  esac
}

# Appends "row threads side wall-ms cpu-ms" per timed run of one side, and
# "row threads side first ..." for its very first call after loading.
# A side that fails leaves its cells empty and the run goes on.
measure() {
  local row=$1 t=$2 side=$3 pin=()
  shift 3
  ((t == 1)) && [[ $pin_core ]] && pin=(taskset -c "$pin_core")
  OMP_NUM_THREADS=$t "${pin[@]}" "$@" |
    sed -n -e "s/^run_ms=\([0-9.]*\) cpu_ms=\([0-9.]*\)$/$row\t$t\t$side\t\1\t\2/p" \
      -e "s/^first_ms=\([0-9.]*\) first_cpu_ms=\([0-9.]*\).*/$row\t$t\t$side first\t\1\t\2/p" >>"$raw" ||
    echo "bench: $side FAILED on $row at $t thread(s): its cells stay empty" >&2
}

# --make-kit: the selected rows' models, the tools, the libraries they need
# and these scripts, laid out as in this tree (DIR/bench, DIR/build/bin,
# DIR/build/lib, DIR/test/reference), then stop.
make_kit() {
  local entry row so rest
  build_model block   # the sanity check's
  for entry in "${rows[@]}"; do
    IFS='|' read -r row so rest <<<"$entry"
    [[ $row =~ $only ]] && build_model "$so"
  done
  mkdir -p "$kit_dir/bench" "$kit_dir/test/reference" "$kit_dir/build/bin" \
    "$kit_dir/build/lib"
  cp "$root"/bench/*.sh "$root"/bench/*.py "$kit_dir/bench/"
  cp "$root"/test/reference/*.py "$kit_dir/test/reference/"
  local tools=("$bin/attnc-bench" "$bin/attnc-bandwidth" "$bin/attnc-peak")
  cp "${tools[@]}" "$kit_dir/build/bin/"
  # Every library they load but the C and C++ runtimes, which any Linux
  # with a newer glibc and libstdc++ has.
  ldd "${tools[@]}" "$models"/*.so |
    awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
    grep -Ev '/(libc|libm|libgcc_s|libstdc\+\+|ld-linux[^/]*)\.so' |
    xargs -r cp -L -t "$kit_dir/build/lib/"
  {
    echo "attnc $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), models compiled for --target-cpu $target_cpu on $(date -u +%Y-%m-%d)"
    echo "rows: --only '$only'"
    echo "run: bash $(basename "$kit_dir")/bench/run.sh [--scaling-threads \"1 2 4\"] [--torch-peer transformers] ... (a python3 with torch on PATH)"
  } >"$kit_dir/KIT"
  echo "bench: kit $kit_dir ($(du -sh "$kit_dir" | cut -f1)): $(ls "$models" | tr '\n' ' ')" >&2
}
if [[ $kit_dir ]]; then
  make_kit
  exit 0
fi

# Sanity: attnc and PyTorch on the same weights and input (GPT-2 block).
build_model block
mkdir -p "$work/check"
"$bin/attnc-bench" "$models/block.so" --dim batch=1 --dim seq=128 --runs 1 \
  --warmup 0 --dump "$work/check" >/dev/null
sanity=$("$python" "$root/bench/torch_check.py" "$work/check") ||
  sanity="${sanity:-no result} (CHECK FAILED: a kernel is broken, or the check did not run)"
sanity="GPT-2 block, S=128, attnc vs PyTorch on the same weights: $sanity"
echo "sanity: $sanity" >&2

common=(--runs "$runs" --warmup "$warmup")
# The machine, measured in the same run: FMA peak and read bandwidth.
machine_threads=$(printf '%s\n' $threads $scaling_threads | sort -nu | tr '\n' ' ')
for t in $machine_threads; do
  echo "bench: peak and bandwidth, $t thread(s)" >&2
  for ((r = 0; r < rounds; ++r)); do
    measure machine "$t" peak "$bin/attnc-peak" --threads "$t" "${common[@]}"
    measure machine "$t" bandwidth "$bin/attnc-bandwidth" --threads "$t" "${common[@]}"
  done
done
for entry in "${rows[@]}"; do
  IFS='|' read -r row so bench_args torch_args <<<"$entry"
  [[ $row =~ $only ]] || continue
  build_model "$so"
  torch_side=PyTorch
  if [[ $torch_peer == transformers ]]; then
    # Hugging Face's GPT-2 for the whole-model rows; for the prefill with
    # bf16 dot products, in bf16 too (PyTorch's AMX kernels where the CPU
    # has them).
    case $torch_args in
      "gpt2 "* | "decode "*) torch_args="hf-$torch_args" ;;
    esac
    if [[ -z $torch_args && $row =~ ^prefill([0-9]+)bf16dot$ ]]; then
      torch_args="hf-gpt2 --seq ${BASH_REMATCH[1]} --bf16"
      torch_side=PyTorch-bf16
    fi
  fi
  row_threads=$threads
  [[ $scaling_rows == *" $row "* ]] && row_threads=$scaling_threads
  for t in $row_threads; do
    echo "bench: $row, $t thread(s)" >&2
    for ((r = 0; r < rounds; ++r)); do
      # shellcheck disable=SC2086
      measure "$row" "$t" attnc "$bin/attnc-bench" "$models/$so.so" $bench_args \
        --threads "$t" "${common[@]}"
      if [[ $row == mm* ]]; then
        IFS=x read -r m n k <<<"${row#mm}"
        for peer in "${sgemm_peers[@]}"; do
          lib=$([[ $peer == oneDNN ]] && echo dnnl || echo openblas)
          measure "$row" "$t" "$peer" "$bin/attnc-sgemm-peer" "$lib" \
            --m "$m" --n "$n" --k "$k" --threads "$t" "${common[@]}"
        done
      fi
      if [[ $so == *-bf16* || $so == *-int8* ]]; then
        # shellcheck disable=SC2086
        measure "$row" "$t" attnc-f32 "$bin/attnc-bench" "$models/${so%-*}.so" \
          $bench_args --threads "$t" "${common[@]}"
      fi
      [[ -n $torch_args ]] || continue
      # shellcheck disable=SC2086
      measure "$row" "$t" "$torch_side" "$python" "$root/bench/torch_bench.py" \
        $torch_args --threads "$t" "${common[@]}"
    done
  done
done

[[ -z $keep_raw ]] || cp "$raw" "$keep_raw"
table=$("$python" "$root/bench/table.py" "$raw")
cpu_table=$("$python" "$root/bench/table.py" --clock cpu "$raw")
scaling_table=$("$python" "$root/bench/scaling.py" "$raw")
elapsed=$(($(date +%s) - started))
report="$table

The 1-thread rows again by process CPU time, which a loaded machine
disturbs less than wall-clock time (a check on the table above, not a
replacement):

$cpu_table

Scaling (issue 14): median wall time, speedup over 1 thread of the same
side, parallel efficiency (speedup / threads), process CPU time per wall
time:

$scaling_table

Sanity check: $sanity.
PyTorch $("$python" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo '?'); the prefill and decode rows' peer: $([[ $torch_peer == transformers ]] && echo "Hugging Face transformers' GPT2LMHeadModel (sdpa)" || echo "bench/torch_gpt2.py").${from_kit:+
From a kit: $(head -n 1 "$root/KIT").}
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(cpu_model), $(nproc) cores;
load average before: $load_before, after: $(load);
took ${elapsed} s: bench/run.sh --threads \"$threads\" --scaling-threads \"$scaling_threads\" --rounds $rounds --runs $runs --warmup $warmup --only '$only'${target_cpu:+ --target-cpu $target_cpu} --torch-peer $torch_peer"
echo "$report"
# --out FILE: a file with the markers (docs/performance.md) gets the report
# between them; any other file is overwritten with it.
begin='<!-- bench/run.sh: begin -->' end='<!-- bench/run.sh: end -->'
if [[ -n $out && -f $out ]] && grep -qF "$begin" "$out"; then
  echo "$report" >"$work/report"
  awk -v b="$begin" -v e="$end" -v r="$work/report" '
    $0 == b { print; while ((getline l < r) > 0) print l; skip = 1; next }
    $0 == e { skip = 0 }
    !skip' "$out" >"$work/updated"
  cp "$work/updated" "$out"
elif [[ -n $out ]]; then
  echo "$report" >"$out"
fi
