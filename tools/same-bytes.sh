#!/bin/bash
# Checks that a compiler change leaves attention's outputs byte for byte the
# same: compiles test/E2E/Inputs/attention.attn over a grid of head shapes,
# variants (causal, window, ALiBi), targets and sizes with a baseline attnc
# and with this checkout's build, runs both on the same random inputs and
# compares the output files with cmp; each new output is also checked
# against PyTorch (test/E2E/Inputs/torch-check.py, 1e-4). For changes that
# should only reorder code (docs/performance.md, "Notes on method").
#
#   bash tools/same-bytes.sh BASELINE_ATTNC [--quick] [--workdir DIR]
#
# BASELINE_ATTNC: an attnc binary built from the commit before the change
# (e.g. `git stash; ninja -C build bin/attnc; cp build/bin/attnc /tmp/old`).
# --quick: 3 head shapes, the host target only (about 3.5 minutes on a
# 2-core Zen 4, the full grid about 20). Exits 1 if any output differs or fails PyTorch's check.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
usage() {
  echo "usage: bash tools/same-bytes.sh BASELINE_ATTNC [--quick] [--workdir DIR]" >&2
  exit 2
}
(($# >= 1)) || usage
baseline=$1
shift
quick=0 work=
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --workdir) (($# >= 2)) || usage; work=$2; shift ;;
    *) usage ;;
  esac
  shift
done
[[ -x $baseline ]] || { echo "same-bytes: error: baseline '$baseline' is not an executable" >&2; exit 2; }
new="$root/build/bin/attnc"
[[ -x $new ]] || { echo "same-bytes: error: '$new' not built (bash tools/build.sh)" >&2; exit 2; }
python=/usr/bin/python3  # Debian's, with numpy and python3-torch
work=${work:-$(mktemp -d)}
mkdir -p "$work"
export PATH="$root/build/bin:$PATH"  # torch-check.py runs `attnc run` (the new one)

shapes=("4 2 64" "5 1 80" "4 2 96" "6 2 12" "2 2 6" "2 1 5" "1 1 256" "8 8 3" "3 3 16")
targets=(host x86-64-v3)
if ((quick)); then
  shapes=("4 2 64" "5 1 80" "2 1 5")
  targets=(host)
fi
# causal window alibi
variants=("1 0 0" "0 0 0" "1 7 0" "1 0 1" "1 33 1")
# batch sq sk: one key, block and chunk edges, several queries (the decode
# form, up to 16), and more (the tiles of the prefill form)
sizes=("1 1 1" "1 1 17" "2 1 130" "1 3 1029" "1 16 300" "1 2 65" "2 17 40"
       "1 100 100")

runs=0 bad=0
for shape in "${shapes[@]}"; do
  read -r heads kv d <<<"$shape"
  for variant in "${variants[@]}"; do
    read -r causal window alibi <<<"$variant"
    for target in "${targets[@]}"; do
      tag="h$heads-g$kv-d$d-c$causal-w$window-a$alibi-$target"
      dir="$work/$tag"
      mkdir -p "$dir"
      defs=(-D "heads=$heads" -D "kv_heads=$kv" -D "d=$d" -D "causal=$causal"
            -D "window=$window" -D "alibi=$alibi" --target-cpu="$target")
      for side in baseline new; do
        "${!side}" compile "$root/test/E2E/Inputs/attention.attn" "${defs[@]}" \
          -o "$dir/$side.so" || {
          echo "same-bytes: error: the $side compiler failed on $tag" >&2
          exit 2
        }
      done
      flags=(--heads "$heads" --kv-heads "$kv")
      ((causal)) && flags+=(--causal 1)
      ((window)) && flags+=(--window "$window")
      ((alibi)) && flags+=(--alibi)
      for size in "${sizes[@]}"; do
        read -r batch sq sk <<<"$size"
        runs=$((runs + 1))
        if ! "$python" "$root/test/E2E/Inputs/torch-check.py" "$dir/new.so" attention \
            "${flags[@]}" --dim "batch=$batch" --dim "sq=$sq" --dim "sk=$sk" \
            --workdir "$dir" >"$dir/check.log" 2>&1; then
          echo "same-bytes: $tag $size: PyTorch's check failed ($dir/check.log)"
          bad=$((bad + 1))
          continue
        fi
        files="batch$batch-sk$sk-sq$sq"
        # One runtime for both: what differs is the compiled code.
        "$new" run "$dir/baseline.so" --weights "$dir/weights-$files.safetensors" \
          --inputs "$dir/inputs-$files.safetensors" \
          --outputs "$dir/baseline-$files.safetensors" >/dev/null
        if ! cmp -s "$dir/baseline-$files.safetensors" "$dir/outputs-$files.safetensors"; then
          echo "same-bytes: $tag $size: outputs differ ($dir)"
          bad=$((bad + 1))
        fi
      done
    done
  done
done
echo "same-bytes: $runs runs, $bad differ or fail (work: $work)"
((bad == 0))
