//===- Model.h - A loaded model: library, manifest, weights -----*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_MODEL_H
#define ATTNC_RUNTIME_LIB_MODEL_H

#include "Manifest.h"
#include "Profile.h"
#include "SharedLibrary.h"
#include "Support.h"
#include "Weights.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnc::rt {

/// A loaded model. Immutable while sessions use it: loadWeights refuses to
/// run while any Session exists, so sessions read it without locks.
class Model {
public:
  using ForwardFn = int32_t (*)(const int64_t *dims, void *const *buffers);
  using StepFn = int32_t (*)(const int64_t *dims, void *const *buffers,
                             void *kvCache, int64_t capacity, int64_t position);

  /// Loads the library, checks that it implements this runtime's ABI
  /// version, and validates its manifest.
  static Expected<std::unique_ptr<Model>> open(const std::string &path);

  const Manifest &manifest() const { return spec; }
  /// The manifest text exactly as the model returned it.
  const std::string &manifestJson() const { return json; }

  /// Replaces the weights only on success. Fails while sessions exist.
  Status loadWeights(const std::string &path);
  /// Reported to during later loadWeights calls (null: nothing).
  void setLoadProgress(attnc_progress_callback callback, void *userData) {
    progress = callback;
    progressData = userData;
  }
  /// Warnings of the weights in use; empty before any were loaded.
  const std::vector<std::string> &warnings() const;
  /// True once weights are loaded, or if the model has no parameters.
  bool isReady() const { return weights || spec.params.empty(); }
  /// One per parameter, in manifest order; empty without weights.
  const std::vector<const void *> &paramBuffers() const;
  /// One per packed parameter ("packed_params"), in manifest order.
  const std::vector<const void *> &packBuffers() const;

  ForwardFn forwardFunction() const { return forward; }
  /// attnc_model_step, or null for models without incremental decoding.
  StepFn stepFunction() const { return step; }

  /// Threads of each later run or step (0: ATTNC_NUM_THREADS if set, else
  /// OMP_NUM_THREADS's if that is set, else one per physical core the
  /// process may use: ThreadCount.h). Models without parallel loops ignore
  /// it.
  Status setNumThreads(int32_t count);
  /// Applies the thread count and the workers' wait policy to the calling
  /// thread (OpenMP's settings are per thread): call before each forward or
  /// step.
  void applyThreadSettings() const;
  /// Applies the thread count and runs an empty parallel region, so that
  /// libomp's threads exist before the first run (a no-op without libomp).
  void startThreads() const;

  /// Profiling of later runs and steps (docs/performance.md). Fails for a
  /// library compiled without the profile hook.
  Status setProfiling(bool on);
  /// Runs `entry` (a call of the forward or step function), profiled when
  /// profiling is on.
  template <typename Entry> int32_t call(Entry &&entry) const {
    return profiler ? profiler->record(entry) : entry();
  }
  /// The recording profile, or null when profiling is off.
  Profile *profile() const { return profiler.get(); }
  /// The report of ATTNC_PROFILE (set when the model was opened): printed
  /// to stderr when the model is destroyed unless the program asked for it.
  void takeEnvironmentReport() { environmentReport.reset(); }
  ~Model();

private:
  friend class Session;
  using SetThreadsFn = void (*)(int);
  /// libomp's kmp_set_blocktime: how long (ms) a worker waiting for work
  /// spins before it sleeps.
  using SetBlocktimeFn = void (*)(int);
  /// libomp's __kmpc_fork_call (the entry of every parallel region the
  /// compiled code has), with no shared arguments.
  using ForkFn = void (*)(void *location, int32_t argc,
                          void (*microtask)(int32_t *, int32_t *), ...);

  Model(SharedLibrary library, ForwardFn forward, StepFn step,
        SetThreadsFn setThreads, SetBlocktimeFn setBlocktime, ForkFn fork,
        int32_t envThreads, std::string json, Manifest spec)
      : library(std::move(library)), forward(forward), step(step),
        setThreads(setThreads), setBlocktime(setBlocktime), fork(fork),
        envThreads(envThreads), threads(envThreads), json(std::move(json)),
        spec(std::move(spec)) {}

  // Declared first so that it is closed last.
  SharedLibrary library;
  ForwardFn forward;
  StepFn step;
  /// libomp's omp_set_num_threads, if the model links it.
  SetThreadsFn setThreads;
  /// libomp's kmp_set_blocktime; null when the environment chose libomp's
  /// wait policy (KMP_BLOCKTIME, OMP_WAIT_POLICY, KMP_LIBRARY) or without
  /// libomp.
  SetBlocktimeFn setBlocktime;
  ForkFn fork;
  int32_t envThreads;
  std::atomic<int32_t> threads;
  attnc_progress_callback progress = nullptr;
  void *progressData = nullptr;
  std::string json;
  Manifest spec;
  std::optional<Weights> weights;
  mutable std::atomic<size_t> liveSessions{0};
  std::unique_ptr<Profile> profiler;
  /// ATTNC_PROFILE's format ("table" or "json"), until the report is taken.
  std::optional<std::string> environmentReport;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_MODEL_H
