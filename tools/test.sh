#!/usr/bin/env bash
# The whole test suite, from a fresh machine: install, build, run the lit tests
# and the GoogleTest suites (ctest), and print one summary line.
#
#   tools/test.sh              the release build in ./build
#   tools/test.sh --sanitize   also an ASan+UBSan build in ./build-asan, with the
#                              same lit, E2E and unit tests run there, and every
#                              fuzz target run for ATTNC_FUZZ_SECONDS (default
#                              60) seconds (the structure-aware front-end one
#                              half that; one target per core at a time); then a ThreadSanitizer build of only
#                              the runtime and its unit tests (concurrent
#                              sessions and runs) in ./build-tsan; this is what
#                              CI runs
#
# The release build also runs the soak test (tools/soak.sh) for
# ATTNC_SOAK_SECONDS (default 120, or 60 with --sanitize, which keeps CI
# within its time); --sanitize also runs it for 20 s under
# ASan+LSan and under TSan. The summary gives each configuration's time
# (build included), each fuzz target's executions, the soak's figures, and
# the total time.
#
# ATTNC_TEST_SANITIZE=1 is the same as --sanitize. ATTNC_BUILD_DIR,
# ATTNC_ASAN_BUILD_DIR and ATTNC_TSAN_BUILD_DIR move the build directories.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
asan_build=${ATTNC_ASAN_BUILD_DIR:-$root/build-asan}
tsan_build=${ATTNC_TSAN_BUILD_DIR:-$root/build-tsan}
sanitize=${ATTNC_TEST_SANITIZE:-0}
fuzz_seconds=${ATTNC_FUZZ_SECONDS:-60}
for arg in "$@"; do
  case $arg in
  --sanitize) sanitize=1 ;;
  *)
    echo "usage: $0 [--sanitize]" >&2
    exit 2
    ;;
  esac
done

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
start=$SECONDS
elapsed() { printf "%dm%02ds" $(((SECONDS - $1) / 60)) $(((SECONDS - $1) % 60)); }

"$root/tools/install-deps.sh" || exit 1
config_start=$SECONDS
"$root/tools/build.sh" || { echo "error: the build failed"; exit 1; }
echo "== build: $(elapsed "$config_start")"

count() { grep -oE "$1" "$2" | grep -oE "[0-9]+$" | awk '{s += $1} END {print s + 0}'; }

# suite NAME BUILD_DIR [CTEST-ARGS...]: runs lit (unless NAME is tsan) and
# ctest on one build; adds to the totals and to the summary.
passed=0 failed=0 summary=""
suite() {
  local name=$1 dir=$2
  shift 2
  local lit_rc=0
  : >"$log/$name-lit.txt"
  if [[ $name != tsan ]]; then
    echo "== $name: lit"
    # The build's check target: lit as CMake configured it (test/CMakeLists.txt).
    ninja -C "$dir" check-attnc-lit 2>&1 | tee "$log/$name-lit.txt"
    lit_rc=${PIPESTATUS[0]}
  fi
  echo "== $name: ctest"
  (cd "$dir" && ctest --output-on-failure -j "$(nproc)" "$@") 2>&1 | tee "$log/$name-ctest.txt"
  local ctest_rc=${PIPESTATUS[0]}

  local lit_passed lit_failed ct_total ct_failed
  lit_passed=$(count "^ *Passed *: *[0-9]+" "$log/$name-lit.txt")
  lit_failed=$(count "^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *: *[0-9]+" "$log/$name-lit.txt")
  ct_total=$(count "tests failed out of [0-9]+" "$log/$name-ctest.txt")
  ct_failed=$(grep -oE "[0-9]+ tests failed out of" "$log/$name-ctest.txt" | grep -oE "^[0-9]+" | awk '{s += $1} END {print s + 0}')
  local ok=$((lit_passed + ct_total - ct_failed)) bad=$((lit_failed + ct_failed))
  if ((lit_rc != 0 || ctest_rc != 0)) && ((bad == 0)); then bad=1; fi
  passed=$((passed + ok)) failed=$((failed + bad))
  local line="$name ctest: $((ct_total - ct_failed)) passed, ${ct_failed} failed"
  [[ $name != tsan ]] && line="$name lit: ${lit_passed} passed, ${lit_failed} failed; $line"
  summary+="$line ($(elapsed "$config_start") with the build)"$'\n'
}

# soak NAME BUILD_DIR SECONDS KIND: tools/soak.sh (long generation on
# several threads, models loaded and freed, RSS and results checked); one
# summary line with its figures, counted as one test.
soak() {
  local name=$1 dir=$2 seconds=$3 kind=$4 t=$SECONDS
  echo "== $name: ${seconds} s ($kind model)"
  "$root/tools/soak.sh" "$seconds" "$dir" "$kind" 2>&1 | tee "$log/$name.txt"
  local rc=${PIPESTATUS[0]} figures
  figures=$(sed -nE 's/^soak: [0-9]+ s, (.*)$/\1/p' "$log/$name.txt")
  if ((rc == 0)); then
    passed=$((passed + 1))
    summary+="$name: passed ($(elapsed "$t")): $figures"$'\n'
  else
    failed=$((failed + 1))
    summary+="$name: FAILED ($(elapsed "$t"))${figures:+: $figures}"$'\n'
  fi
}

suite release "$build"
soak soak "$build" "${ATTNC_SOAK_SECONDS:-$((sanitize ? 60 : 120))}" compiled
echo "== agreement with PyTorch: worst error per model and size (test/reference)"
cat "$build"/test/reference/Output/*.test.tmp.log 2>/dev/null | grep "^worst " || echo "(none ran)"

if ((sanitize)); then
  config_start=$SECONDS
  ATTNC_BUILD_DIR=$asan_build "$root/tools/build.sh" \
    -DATTNC_SANITIZE=address,undefined -DATTNC_FUZZ=ON ||
    { echo "error: the sanitizer build failed"; exit 1; }
  echo "== build-asan: $(elapsed "$config_start")"

  # A report must fail the test that triggered it. By default a sanitizer
  # exits with code 1, which is also attnc's code for bad input, so a report
  # in an expected failure (`not attnc ...`) would pass; aborting makes it a
  # crash, which LLVM's `not` (test/lit.cfg.py) and GoogleTest both fail on.
  # allocator_may_return_null: an allocation too large to satisfy must fail
  # as in a release build (std::bad_alloc, reported as out of memory), not
  # abort. Leak detection stays on with no suppressions: LLVM's and MLIR's global
  # state (option registry, ManagedStatics, the dialect registry) is still
  # reachable at exit, and the dlopen'ed models are closed before it, so
  # LeakSanitizer has nothing to report unless our code leaks.
  export ASAN_OPTIONS=abort_on_error=1:allocator_may_return_null=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
  export UBSAN_OPTIONS=abort_on_error=1:halt_on_error=1:print_stacktrace=1
  suite asan "$asan_build"
  # LeakSanitizer checks the soak's process at exit.
  soak soak-asan "$asan_build" 20 compiled

  t=$SECONDS
  echo "== fuzz: ${fuzz_seconds} s per target"
  ATTNC_FUZZ_BUILD_DIR=$asan_build "$root/test/fuzz/run.sh" "$fuzz_seconds" 2>&1 | tee "$log/fuzz.txt"
  fuzz_rc=${PIPESTATUS[0]}
  fuzz_passed=$(grep -c "^fuzz .*: passed" "$log/fuzz.txt")
  fuzz_failed=$(grep -c "^fuzz .*: FAILED" "$log/fuzz.txt")
  if ((fuzz_rc != 0)) && ((fuzz_failed == 0)); then fuzz_failed=1; fi
  passed=$((passed + fuzz_passed)) failed=$((failed + fuzz_failed))
  summary+="fuzz: ${fuzz_passed} passed, ${fuzz_failed} failed ($(elapsed "$t"))"$'\n'
  # "fuzz frontend: passed, 123 inputs in 60 s, corpus 45 files" ->
  # "  fuzz frontend: 123 inputs in 60 s"; a failed target keeps its
  # indented lines (the error, the seed, the input that failed), so that the
  # end of CI's output is enough to reproduce it.
  summary+=$(awk '
    /^fuzz [^:]*: passed, / {
      sub(/: passed, /, ": "); sub(/,.*/, ""); print "  " $0; failed = 0; next
    }
    /^fuzz [^:]*: FAILED/ { sub(/: FAILED.*/, ": FAILED"); print "  " $0; failed = 1; next }
    failed && /^    / { print; next }
    /^note: fuzz / { print "  " $0; failed = 0; next }
    { failed = 0 }' "$log/fuzz.txt")$'\n'

  # ThreadSanitizer, for the runtime's concurrency: only the runtime and its
  # unit tests (Runtime and Generation, with their concurrency tests) are
  # built, and only they run (ctest -L runtime). Their models are hand-written
  # C (FakeModel.c, FakeDecoder.c), so no uninstrumented libomp runs under
  # TSan. Without suppressions.
  config_start=$SECONDS
  ATTNC_BUILD_DIR=$tsan_build ATTNC_BUILD_TARGETS="RuntimeTests GenerationTests attnc-soak attnc_naive_gpt2" \
    "$root/tools/build.sh" -DATTNC_SANITIZE=thread ||
    { echo "error: the ThreadSanitizer build failed"; exit 1; }
  echo "== build-tsan: $(elapsed "$config_start")"
  unset ASAN_OPTIONS UBSAN_OPTIONS
  # A report aborts the test that made it (exitcode is for reports at exit).
  export TSAN_OPTIONS=halt_on_error=1:abort_on_error=1:second_deadlock_stack=1
  suite tsan "$tsan_build" -L runtime
  soak soak-tsan "$tsan_build" 20 naive
fi

echo
printf "%s" "$summary"
echo "total time: $(elapsed "$start")"
echo "${passed} passed, ${failed} failed"
((failed == 0))
