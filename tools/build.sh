#!/usr/bin/env bash
# Configures (once) and builds attnc in ./build with clang-19, lld, ccache and Ninja.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
# Paths relative to the checkout let every build directory share the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}

if [[ ! -f $build/build.ninja ]]; then
  # A configure that failed (run before the compilers were installed) leaves a
  # cache that would make this one fail too.
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DLLVM_USE_LINKER=lld \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
    "$@" >/dev/null
fi
# Each compile job of MLIR code peaks at about 2.6 GB: two jobs per 2 cores.
# ATTNC_BUILD_TARGETS: one target or several, separated by spaces.
read -r -a targets <<<"${ATTNC_BUILD_TARGETS:-all}"
ninja -C "$build" -j "$(nproc)" "${targets[@]}"
