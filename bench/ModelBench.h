//===- ModelBench.h - Time a compiled model through the runtime -*- C++ -*-===//
//
// The measurement behind `attnc bench` and bench/run.sh's attnc-bench: open
// a model, bind weights (a checkpoint, or random ones written to a temporary
// safetensors file as a checkpoint would be), feed random inputs (token ids
// 0), and time one session's calls: the first call after loading (cold) on
// its own, then `warmup` untimed calls, then `runs` timed ones.
//
// With `decode` = CONTEXT the calls are decode steps: a prefill of CONTEXT
// tokens (the inputs' `seq` dim) fills the session's KV cache, then each call
// is one step of one token at contexts CONTEXT, CONTEXT + 1, ...
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BENCH_MODELBENCH_H
#define ATTNC_BENCH_MODELBENCH_H

#include "attnc/runtime.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace attnc::bench {

struct ModelBenchOptions {
  /// Sizes of the model's dynamic dims, by name.
  std::map<std::string, int64_t> dims;
  /// A safetensors file, a sharded index, or a directory holding either
  /// (model.safetensors, model.safetensors.index.json); empty: random.
  std::string weights;
  int runs = 10, warmup = 3, threads = 0;
  unsigned seed = 1;
  int64_t decode = 0;
  /// Writes DIR/{weights,inputs,outputs}.safetensors of one run (random
  /// weights only), for bench/torch_check.py.
  std::string dump;
  /// "table" or "json": profile the timed calls (docs/performance.md);
  /// "": not unless ATTNC_PROFILE is set.
  std::string profile;
};

/// One call's wall-clock and process CPU time (all threads).
struct CallTime {
  double wallMs = 0, cpuMs = 0;
};

struct ModelBenchResult {
  /// The first call after loading the weights (and, for decode, after the
  /// prefill): not among `runs`.
  CallTime first;
  std::vector<CallTime> runs;
  /// Decode only: the prefill of `decode` tokens.
  CallTime prefill;
  /// Tokens one timed call processes: the elements of an integer input (token
  /// ids), else the rows of the first input (all dims but the last).
  int64_t tokensPerCall = 0;
  /// Decode only: the KV cache's length after the last step.
  int64_t kvPosition = -1;
  /// With options.profile: the profile of the timed calls.
  std::string profile;
};

/// Runs the benchmark; `onRun` sees each timed call as it ends.
Expected<ModelBenchResult>
benchModel(const std::string &modelPath, const ModelBenchOptions &options,
           const std::function<void(const CallTime &)> &onRun = nullptr);

/// Order statistics of a sample (linear interpolation between ranks).
struct Spread {
  double median = 0, min = 0, max = 0, q1 = 0, q3 = 0;
};
Spread spread(std::vector<double> values);

} // namespace attnc::bench

#endif // ATTNC_BENCH_MODELBENCH_H
