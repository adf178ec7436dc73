#!/usr/bin/env bash
# Soak test: generates continuously on several threads, each generation in a
# new session, while models are opened, loaded and freed over and over, for a
# time budget; fails if any result differs from the first run's or the
# resident memory grows beyond a margin after the warm-up
# (test/soak/SoakDriver.cpp). Prints tokens generated, sessions, models
# loaded and RSS at start and end.
#
#   tools/soak.sh [SECONDS] [BUILD_DIR] [compiled|naive]
#
# compiled (default): examples/tiny-gpt.attn compiled by BUILD_DIR's attnc
# (OpenMP, KV cache); naive: the hand-written C GPT-2 of the unit tests
# (no OpenMP, for ThreadSanitizer), both on the tiny GPT's weights.
# ATTNC_SOAK_THREADS sets the generating threads (default 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-120}
build=${2:-$root/build}
kind=${3:-compiled}
weights=$root/examples/tiny-gpt/tiny-gpt.safetensors
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case $kind in
compiled)
  model=$work/tiny-gpt.so
  "$build/bin/attnc" compile "$root/examples/tiny-gpt.attn" -o "$model"
  ;;
naive)
  model=$build/test/unittests/Generation/libattnc_naive_gpt2.so
  ;;
*)
  echo "usage: $0 [SECONDS] [BUILD_DIR] [compiled|naive]" >&2
  exit 2
  ;;
esac
"$build/bin/attnc-soak" "$model" "$weights" --seconds "$seconds" \
  --threads "${ATTNC_SOAK_THREADS:-3}"
