#!/usr/bin/env bash
# The whole test suite, from a fresh machine: install, build, run the lit tests
# and the GoogleTest suites (ctest), and print one summary line.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
"$root/tools/install-deps.sh" || exit 1
"$root/tools/build.sh" || { echo "error: the build failed"; exit 1; }

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== lit"
python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv "$build/test" 2>&1 | tee "$log/lit.txt"
lit_rc=${PIPESTATUS[0]}
echo "== agreement with PyTorch: worst error per model and size (test/reference)"
cat "$build"/test/reference/Output/*.test.tmp.log 2>/dev/null | grep "^worst " || echo "(none ran)"
echo "== ctest"
(cd "$build" && ctest --output-on-failure -j "$(nproc)") 2>&1 | tee "$log/ctest.txt"
ctest_rc=${PIPESTATUS[0]}

count() { grep -oE "$1" "$2" | grep -oE "[0-9]+$" | awk '{s += $1} END {print s + 0}'; }
lit_passed=$(count "^ *Passed *: *[0-9]+" "$log/lit.txt")
lit_failed=$(count "^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *: *[0-9]+" "$log/lit.txt")
ct_total=$(count "tests failed out of [0-9]+" "$log/ctest.txt")
ct_failed=$(grep -oE "[0-9]+ tests failed out of" "$log/ctest.txt" | grep -oE "^[0-9]+" | awk '{s += $1} END {print s + 0}')
passed=$((lit_passed + ct_total - ct_failed))
failed=$((${lit_failed} + ct_failed))
if ((lit_rc != 0 || ctest_rc != 0)) && ((failed == 0)); then failed=1; fi

echo
echo "lit: ${lit_passed} passed, ${lit_failed} failed; ctest: $((ct_total - ct_failed)) passed, ${ct_failed} failed"
echo "${passed} passed, ${failed} failed"
((failed == 0))
