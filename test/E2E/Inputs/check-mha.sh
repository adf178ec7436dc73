#!/usr/bin/env bash
# Compiles an MHA example with -D overrides, then for each sequence length runs
# it on seeded random weights and input and checks the output against the
# naive C++ reference (attnc-mha-reference, relative error <= 1e-4).
# usage: check-mha.sh WORKDIR MODEL.attn D_MODEL HEADS CAUSAL BATCH SEQ...
set -euo pipefail
dir=$1 model=$2 d_model=$3 heads=$4 causal=$5 batch=$6
shift 6
so=$dir/$(basename "$model" .attn)-$d_model-$heads-$causal.so
attnc compile "$model" -D d_model="$d_model" -D n_head="$heads" -D causal="$causal" -o "$so"
for seq in "$@"; do
  w=$dir/w-$d_model-$batch-$seq.safetensors
  x=$dir/x-$d_model-$batch-$seq.safetensors
  y=$dir/y-$d_model-$heads-$causal-$batch-$seq.safetensors
  attnc-mha-reference gen --d-model "$d_model" --batch "$batch" --seq "$seq" \
    --seed "$seq" --weights "$w" --inputs "$x"
  attnc run "$so" --weights "$w" --inputs "$x" --outputs "$y"
  attnc-mha-reference check --heads "$heads" --causal "$causal" \
    --weights "$w" --inputs "$x" --outputs "$y" --tolerance 1e-4
done
