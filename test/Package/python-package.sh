#!/usr/bin/env bash
# Installs attnc to a temporary prefix and uses the installed Python package
# from Debian's python3, away from the build tree: it finds the prefix's
# libattnc_runtime.so and attnc driver by itself, compiles examples/mha.attn
# and runs it; the output is checked against the naive reference
# (attnc-mha-reference, relative error <= 1e-4).
# usage: python-package.sh ATTNC_BUILD_DIR ATTNC_SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
site=$work/prefix/lib/python3/dist-packages
test -f "$site/attnc/__init__.py"

"$build/bin/attnc-mha-reference" gen --d-model 32 --batch 1 --seq 9 --seed 3 \
  --weights "$work/w.safetensors" --inputs "$work/x.safetensors"
cd "$work"
env -u ATTNC_RUNTIME_LIBRARY -u ATTNC_COMPILER PATH=/usr/bin:/bin PYTHONPATH="$site" \
  /usr/bin/python3 - "$work" "$source" <<'PY'
import os, sys
import attnc
from attnc import _library
work, source = sys.argv[1:3]
prefix = os.path.join(work, "prefix")
assert attnc.compiler_path() == os.path.join(prefix, "bin", "attnc"), attnc.compiler_path()
assert _library.candidates()[0] == os.path.join(prefix, "lib", "libattnc_runtime.so"), \
    _library.candidates()
sys.path.insert(0, os.path.join(source, "test", "reference"))
import safetensors_np
so = attnc.compile(os.path.join(source, "examples", "mha.attn"),
                   output=os.path.join(work, "mha.so"), defines={"d_model": 32, "n_head": 2})
m = attnc.Model(so).load_weights(os.path.join(work, "w.safetensors"))
x = safetensors_np.load(os.path.join(work, "x.safetensors"))["x"]
safetensors_np.save(os.path.join(work, "y.safetensors"), m.run(x=x))
PY
"$build/bin/attnc-mha-reference" check --heads 2 --causal 1 \
  --weights "$work/w.safetensors" --inputs "$work/x.safetensors" \
  --outputs "$work/y.safetensors" --tolerance 1e-4
echo "python-package: PASS"
