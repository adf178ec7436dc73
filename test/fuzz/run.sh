#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and fails if any of them finds a
# crash, a sanitizer report, a leak, a timeout or a broken invariant.
#
#   test/fuzz/run.sh [SECONDS]      # SECONDS per target, default 60 (half
#                                   # that for frontend-structure)
#
# Targets run side by side, one per core (ATTNC_FUZZ_JOBS overrides nproc):
# each is one single-threaded libFuzzer process, so every target still gets
# its SECONDS of a core, in a fraction of the wall time.
#
# The targets come from a build configured with -DATTNC_FUZZ=ON, by default
# ./build-asan (tools/test.sh --sanitize makes it); ATTNC_FUZZ_BUILD_DIR
# overrides that. Each target starts from its seeds in the tree: the crafted
# ones in test/fuzz/corpus/, plus for the front end the examples and every
# input file of the lit tests in test/Frontend and test/Driver. What a run
# learns is kept in <build>/fuzz/<target>/corpus for the next run; what it
# finds goes to <build>/fuzz/<target>/artifacts/ (reproduce a finding with
# `<build>/bin/attnc-fuzz-<target> <file>`, then make it a regression test).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${ATTNC_FUZZ_BUILD_DIR:-$root/build-asan}
seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: $0 [SECONDS]   (per target, default 60)" >&2
  exit 2
fi
side_by_side=${ATTNC_FUZZ_JOBS:-$(nproc)}
if ! [[ $side_by_side =~ ^[0-9]+$ ]] || ((side_by_side < 1)); then
  echo "error: ATTNC_FUZZ_JOBS must be a positive number, got '$side_by_side'" >&2
  exit 2
fi
split_file=$(command -v split-file || echo /usr/lib/llvm-19/bin/split-file)

# The front end's seeds: the examples and the lit tests' inputs.
frontend_seeds() {
  local out=$1
  rm -rf "$out" && mkdir -p "$out"
  cp "$root"/examples/*.attn "$out"/
  local t
  for t in "$root"/test/Frontend/*.attn "$root"/test/Driver/*.test; do
    local name
    name=$(basename "$t")
    if grep -q '^#--- ' "$t"; then
      "$split_file" --no-leading-lines "$t" "$out/$name.d" >/dev/null 2>&1 || continue
      local part
      for part in "$out/$name.d"/*; do
        [[ -f $part ]] && mv "$part" "$out/$name.$(basename "$part")"
      done
      rm -rf "${out:?}/$name.d"
    else
      cp "$t" "$out/$name"
    fi
  done
}

# Flags of one target. frontend-structure: one mutation per input; its edits
# keep most mutants parsing and many checking, stacked ones rarely do
# (measured: 1.4% of inputs reached verified IR with one, 0.5% with up to
# five).
declare -A target_flags=([frontend-structure]="-mutate_depth=1")

# run TARGET SECONDS DICT SEED-DIR... : one bounded run; prints one summary
# line (with the front end's outcomes: what was rejected, what compiled).
run() {
  local target=$1 time=$2 dict=$3
  shift 3
  local flags
  read -r -a flags <<<"${target_flags[$target]:-}"
  local bin=$build/bin/attnc-fuzz-$target
  local work=$build/fuzz/$target
  mkdir -p "$work/corpus" "$work/artifacts"
  if [[ ! -x $bin ]]; then
    echo "fuzz $target: FAILED: $bin is missing (configure with -DATTNC_FUZZ=ON and build it)"
    return 1
  fi
  # -timeout: any single input taking this long is a hang. -rss_limit_mb
  # bounds the whole process and every single allocation, so an input that
  # makes attnc ask for gigabytes counts as a failure too.
  local limits=(-timeout=10 -rss_limit_mb=2048)
  fuzz_for() {
    "$bin" "${flags[@]}" -max_total_time="$time" "${limits[@]}" \
      -dict="$dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
      "$work/corpus" "$@" >"$work/log" 2>&1
  }
  fuzz_for "$@"
  local rc=$?
  # libFuzzer's timeout is wall-clock time: a virtual machine stalled for
  # 10 s times out whatever input was running. The targets are
  # deterministic, so a real hang hangs again when its input runs alone;
  # one that does not is reported and the run is done once more (a second
  # timeout fails, reproducible or not).
  local unit
  unit=$(sed -nE 's/.*Test unit written to (.*timeout-.*)$/\1/p' "$work/log" | tail -n 1)
  if ((rc != 0)) && [[ -n $unit && -f $unit ]] &&
    grep -q "SUMMARY: libFuzzer: timeout" "$work/log" &&
    "$bin" "${limits[@]}" "$unit" >"$work/alone.log" 2>&1; then
    echo "note: fuzz $target: $unit timed out in the run but ran $(grep -oE "in [0-9]+ ms" "$work/alone.log" | head -n 1) alone: the machine stalled; running the target again" >&2
    mv "$work/log" "$work/stalled.log"
    fuzz_for "$@"
    rc=$?
  fi
  local runs
  runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$work/log" | grep -oE "[0-9]+$")
  local outcomes
  outcomes=$(sed -nE 's/^front-end outcomes: [0-9]+ inputs; (.*)$/; \1/p' "$work/log")
  if ((rc == 0)); then
    echo "fuzz $target: passed, ${runs:-?} inputs in ${time} s, corpus $(ls "$work/corpus" | wc -l) files$outcomes"
    return 0
  fi
  echo "fuzz $target: FAILED (exit code $rc); log: $work/log"
  grep -E "ERROR|SUMMARY|fuzzer: |Test unit written|INFO: Seed" "$work/log" |
    head -20 | cut -c1-300 | sed 's/^/    /'
  print_inputs "$work/log"
  return 1
}

# print_inputs LOG: each input a failed run wrote, gzipped and in base64, so
# that a failure seen only in CI's output can be reproduced from it:
# `base64 -d | gunzip > input`, then `attnc-fuzz-<target> input`.
print_inputs() {
  local unit
  sed -nE 's/.*Test unit written to (.*)$/\1/p' "$1" | while read -r unit; do
    [[ -f $unit ]] || continue
    local packed
    packed=$(gzip -9cn "$unit" | base64 -w 100)
    if ((${#packed} > 4000)); then
      echo "    input: $unit ($(stat -c %s "$unit") bytes; too large to print)"
      continue
    fi
    echo "    input: $unit ($(stat -c %s "$unit") bytes), gzip | base64:"
    sed 's/^/    /' <<<"$packed"
  done
}

# launch TARGET SECONDS DICT SEED-DIR...: `run` in the background once fewer
# than $side_by_side runs are going; its summary goes to <work>/summary.
targets=()
launch() {
  while (($(jobs -rp | wc -l) >= side_by_side)); do wait -n; done
  mkdir -p "$build/fuzz/$1"
  run "$@" >"$build/fuzz/$1/summary" 2>&1 &
  targets+=("$1")
}

seeds=$build/fuzz/frontend/seeds
frontend_seeds "$seeds"
launch frontend "$seconds" "$here/attn.dict" "$seeds" "$here/corpus/frontend"
# The structure-aware mutator starts from whole models only, and runs half
# as long (30 s in CI).
models=$build/fuzz/frontend-structure/seeds
rm -rf "$models" && mkdir -p "$models" && cp "$root"/examples/*.attn "$models"/
launch frontend-structure $(((seconds + 1) / 2)) "$here/attn.dict" "$models" \
  "$here/corpus/frontend"
launch safetensors "$seconds" "$here/safetensors.dict" "$here/corpus/safetensors"
launch tokenizer "$seconds" "$here/tokenizer.dict" "$here/corpus/tokenizer" \
  "$root/test/unittests/Generation/Inputs"
launch manifest "$seconds" "$here/manifest.dict" "$here/corpus/manifest"
launch inputs "$seconds" "$here/inputs.dict" "$here/corpus/inputs"
launch config "$seconds" "$here/config.dict" "$here/corpus/config"
# Pictures (attnc run --image): seeds of every kind by make-picture-seeds.py.
launch picture $(((seconds + 1) / 2)) "$here/picture.dict" "$here/corpus/picture"
wait

# Each summary in launch order; a target that printed no verdict failed.
failed=0
for target in "${targets[@]}"; do
  cat "$build/fuzz/$target/summary"
  grep -q "^fuzz $target: passed" "$build/fuzz/$target/summary" || failed=1
done
exit $failed
