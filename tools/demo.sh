#!/usr/bin/env bash
# The main job, from a fresh machine: install, build, compile the tiny trained
# GPT (examples/tiny-gpt.attn) to native code and generate text with it; then
# compile one attention layer (examples/mha.attn), run it on seeded random
# weights and check it against an independent naive C++ implementation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-deps.sh"
"$root/tools/build.sh"

bin=${ATTNC_BUILD_DIR:-$root/build}/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== attnc compile examples/tiny-gpt.attn -o tiny-gpt.so"
"$bin/attnc" compile "$root/examples/tiny-gpt.attn" -o "$work/tiny-gpt.so"
echo "== attnc generate tiny-gpt.so --prompt 'The old lighthouse' (greedy, KV cache)"
"$bin/attnc" generate "$work/tiny-gpt.so" \
  --weights "$root/examples/tiny-gpt/tiny-gpt.safetensors" \
  --prompt "The old lighthouse" --max-new-tokens 100
echo

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
