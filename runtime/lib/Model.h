//===- Model.h - A loaded model: library, manifest, weights -----*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_MODEL_H
#define ATTNC_RUNTIME_LIB_MODEL_H

#include "Manifest.h"
#include "SharedLibrary.h"
#include "Support.h"
#include "Weights.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnc::rt {

/// An output of one run, owned by the caller.
struct OutputTensor {
  const TensorSpec *spec;
  std::vector<int64_t> shape;
  AlignedBuffer buffer;
};

class Model {
public:
  using ForwardFn = int32_t (*)(const int64_t *dims, void *const *buffers);

  /// Loads the library, checks that it implements this runtime's ABI
  /// version, and validates its manifest.
  static Expected<std::unique_ptr<Model>> open(const std::string &path);

  const Manifest &manifest() const { return spec; }
  /// The manifest text exactly as the model returned it.
  const std::string &manifestJson() const { return json; }

  /// Replaces the weights only on success.
  Status loadWeights(const std::string &path);
  /// Warnings of the weights in use; empty before any were loaded.
  const std::vector<std::string> &warnings() const;

  /// Threads of each later run (0: ATTNC_NUM_THREADS if set, else the
  /// OpenMP default, one per core). Models without parallel loops ignore it.
  Status setNumThreads(int32_t count);

  /// Thread-safe: reads the model, never modifies it.
  Expected<std::vector<OutputTensor>> run(const attnc_tensor *inputs,
                                          size_t count) const;

private:
  using SetThreadsFn = void (*)(int);

  Model(SharedLibrary library, ForwardFn forward, SetThreadsFn setThreads,
        int32_t envThreads, std::string json, Manifest spec)
      : library(std::move(library)), forward(forward), setThreads(setThreads),
        envThreads(envThreads), threads(envThreads), json(std::move(json)),
        spec(std::move(spec)) {}

  // Declared first so that it is closed last.
  SharedLibrary library;
  ForwardFn forward;
  /// libomp's omp_set_num_threads, if the model links it. The setting is
  /// per calling thread, so every run applies it.
  SetThreadsFn setThreads;
  int32_t envThreads;
  std::atomic<int32_t> threads;
  std::string json;
  Manifest spec;
  std::optional<Weights> weights;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_MODEL_H
