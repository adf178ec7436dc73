#!/usr/bin/env bash
# Regenerates the images of docs/visualization.md with the attnc in ./build
# (or $ATTNC_BUILD_DIR): attention heatmaps of the tiny trained GPT over a
# sentence of its corpus, the attention of a tiny ViT trained here (by
# tools/tiny-vit-squares.py, PyTorch: a minute or two) over a picture, and
# Graphviz drawings of attn graphs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
attnc=$build/bin/attnc
out=$root/docs/images
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
mkdir -p "$out"

"$attnc" compile examples/tiny-gpt.attn --debug-attention -o "$tmp/tiny-gpt-debug.so"
"$attnc" generate "$tmp/tiny-gpt-debug.so" --weights examples/tiny-gpt/tiny-gpt.safetensors \
  --prompt "The keeper lived in a small stone house." --max-new-tokens 1 \
  --dump-attention "$tmp/attention.safetensors" >/dev/null 2>&1
for layer in 0 1; do
  "$attnc" plot-attention "$tmp/attention.safetensors" --layer $layer \
    -o "$out/tiny-gpt-attention-layer$layer.png"
done
"$attnc" plot-attention "$tmp/attention.safetensors" --layer 3 --average \
  -o "$out/tiny-gpt-attention-layer3-mean.png"

/usr/bin/python3 tools/tiny-vit-squares.py "$tmp/vit-squares"
"$attnc" compile examples/vit.attn --config "$tmp/vit-squares" --debug-attention \
  -o "$tmp/vit-squares.so" 2>/dev/null
for layer in 0 1; do
  "$attnc" plot-attention "$tmp/vit-squares.so" "$tmp/vit-squares" \
    --image "$tmp/vit-squares/picture.png" --layer $layer \
    -o "$out/vit-squares-attention-layer$layer.png"
done

"$attnc" compile examples/gpt2.attn --emit=dot --fuse=false | dot -Tsvg -o "$out/gpt2-graph-unfused.svg"
"$attnc" compile examples/gpt2.attn --emit=dot | dot -Tsvg -o "$out/gpt2-graph.svg"
"$attnc" compile examples/mha_explicit.attn --emit=dot --fuse=false |
  dot -Tsvg -o "$out/mha_explicit-unfused.svg"
"$attnc" compile examples/mha_explicit.attn --emit=dot | dot -Tsvg -o "$out/mha_explicit-fused.svg"
echo "wrote $(ls "$out" | wc -l) images to $out"
