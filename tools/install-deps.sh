#!/usr/bin/env bash
# Installs what attnc needs from Debian's packages, only if something is missing.
set -euo pipefail

packages=(
  cmake ninja-build ccache
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools clang-19 lld-19 libomp-19-dev
  libclang-rt-19-dev
  libboost-dev nlohmann-json3-dev libgtest-dev
  python3 python3-numpy python3-torch python3-regex
  # Tokenizers: Split patterns, Unicode normalization; the SentencePiece reference.
  libpcre2-dev libutf8proc-dev python3-sentencepiece
  # PyTorch's BLAS: without it Debian falls back to the reference BLAS, which
  # makes examples/tiny-gpt/train.py about ten times slower.
  libopenblas0-pthread
  # bench/: the sgemm peers (bench/SgemmPeer.cpp) and profiles (docs/performance.md).
  libdnnl-dev libopenblas-dev linux-perf
  librsvg2-bin fonts-dejavu-core graphviz   # attnc plot-attention PNGs; docs/visualization.md
  qemu-user   # test/E2E/target-emulated-avx2.test: an AVX2 CPU without AVX-512
  # attnc run --image: PNG and JPEG decoding; Pillow, the reference for both
  # and for resizing (test/reference/image.test, test/Image/).
  libpng-dev libjpeg62-turbo-dev python3-pil
  python3-torchvision   # test/reference/vit.test: torchvision's VisionTransformer
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "attnc: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
