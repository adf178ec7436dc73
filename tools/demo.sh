#!/usr/bin/env bash
# The main job, from a fresh machine: install, build, compile examples/mha.attn
# to a shared library, run it on seeded random weights and input, and check the
# output against an independent naive C++ implementation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-deps.sh"
"$root/tools/build.sh"

bin=${ATTNC_BUILD_DIR:-$root/build}/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== attnc compile examples/mha.attn -o mha.so"
"$bin/attnc" compile "$root/examples/mha.attn" -o "$work/mha.so"
echo "== seeded random weights and input (batch 2, seq 16, d_model 256)"
"$bin/attnc-mha-reference" gen --d-model 256 --batch 2 --seq 16 --seed 7 \
  --weights "$work/weights.safetensors" --inputs "$work/inputs.safetensors"
echo "== attnc run mha.so"
"$bin/attnc" run "$work/mha.so" --weights "$work/weights.safetensors" \
  --inputs "$work/inputs.safetensors" --outputs "$work/outputs.safetensors"
"$bin/attnc" run "$work/mha.so" --weights "$work/weights.safetensors" \
  --inputs "$work/inputs.safetensors"
echo "== compare with the naive C++ reference"
"$bin/attnc-mha-reference" check --heads 8 --causal 1 \
  --weights "$work/weights.safetensors" --inputs "$work/inputs.safetensors" \
  --outputs "$work/outputs.safetensors"
