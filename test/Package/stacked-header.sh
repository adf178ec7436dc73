#!/usr/bin/env bash
# Generates the header of the fake stacked model with `attnc header`, builds
# StackedHeaderMain.cpp against it and the runtime, and runs it.
# usage: stacked-header.sh ATTNC FAKE_STACKED_MODEL RUNTIME_INCLUDE RUNTIME_LIB
set -euo pipefail
attnc=$1 model=$2 include=$3 lib=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$attnc" header "$model" -o "$work/stacked.h"
# shellcheck disable=SC2086 # CXXFLAGS and LDFLAGS are lists of flags
clang++-19 -std=c++17 -Wall -Werror ${CXXFLAGS:-} -I"$work" -I"$include" \
  "$(dirname "$0")/StackedHeaderMain.cpp" -o "$work/main" ${LDFLAGS:-} \
  -L"$(dirname "$lib")" -lattnc_runtime -Wl,-rpath,"$(dirname "$lib")"
"$work/main" "$model" "$work/w.safetensors"
