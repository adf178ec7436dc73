#!/usr/bin/env bash
# Installs attnc to a temporary prefix, then configures, builds and runs
# examples/consumer against it (find_package(attnc), attnc_add_model, the
# generated header), and checks the consumer's output against the naive
# reference (attnc-mha-reference, relative error <= 1e-4).
# usage: consumer.sh ATTNC_BUILD_DIR ATTNC_SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/attnc"
test -x "$work/prefix/bin/attnc-opt"
test -f "$work/prefix/lib/libattnc_runtime.so"
test -f "$work/prefix/lib/cmake/attnc/attncConfigVersion.cmake"

# A copy, so that the test can touch the model without touching the tree.
mkdir "$work/src"
cp -r "$source/examples/consumer" "$source/examples/mha.attn" "$work/src/"
cmake -G Ninja -S "$work/src/consumer" -B "$work/consumer" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" -j 1 >/dev/null
test -f "$work/consumer/libmha.so"
test -f "$work/consumer/include/mha.h"

mkdir "$work/run"
"$work/consumer/consumer" "$work/run"
"$build/bin/attnc-mha-reference" check --heads 4 --causal 1 \
  --weights "$work/run/w.safetensors" --inputs "$work/run/x.safetensors" \
  --outputs "$work/run/y.safetensors" --tolerance 1e-4

# The build reruns the compiler when the model's source changes (here: its
# timestamp), and only then.
dry_run() { cmake --build "$work/consumer" -j 1 -- -n; }
[[ $(dry_run) == *"no work to do"* ]]
touch "$work/src/mha.attn"
[[ $(dry_run) == *"Compiling model mha"* ]]
echo "consumer: PASS"
