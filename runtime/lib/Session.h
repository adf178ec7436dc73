//===- Session.h - One caller's runs of a shared model ----------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_SESSION_H
#define ATTNC_RUNTIME_LIB_SESSION_H

#include "Inputs.h"
#include "Model.h"

#include <vector>

namespace attnc::rt {

/// An output of a run.
struct OutputTensor {
  const TensorSpec *spec;
  std::vector<int64_t> shape;
  AlignedBuffer buffer;
};

/// Runs a model with memory of its own: the outputs of the last run and the
/// scratch for converted or defaulted inputs, reused from run to run. Any
/// number of sessions may run one model concurrently; one session is used by
/// one thread at a time. The model must outlive its sessions.
class Session {
public:
  /// Fails if the model has parameters but no weights yet.
  static Expected<std::unique_ptr<Session>> create(const Model &model);
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  const Model &model() const { return owner; }

  /// On success outputs() holds one tensor per manifest output; on failure
  /// it is empty.
  Status run(const attnc_tensor *inputs, size_t count);
  std::vector<OutputTensor> &outputs() { return results; }

private:
  explicit Session(const Model &model);
  Status prepareOutputs(const std::vector<int64_t> &dims);

  const Model &owner;
  ScratchPool scratch;
  std::vector<OutputTensor> results;
  std::vector<void *> buffers;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_SESSION_H
