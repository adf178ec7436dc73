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

  /// Allocates and maps in what a run (or, with the KV cache enabled, a
  /// step) with these dims needs, one per Manifest::dims: outputs, arena,
  /// cache. Optional: a call allocates what it lacks.
  Status reserve(const std::vector<int64_t> &dims);

  /// Incremental decoding (models with a "kv_cache"): the cache holds up to
  /// `capacity` tokens per batch row; its memory is allocated now for one
  /// row (and by reserve() or the first step for another batch size), with
  /// the arena of a one-token step. Clears the cache.
  Status enableKVCache(int64_t capacity);
  /// Runs the model on the inputs' new tokens, which follow the `position`
  /// tokens already cached, then caches them. Outputs cover the new tokens.
  Status step(const attnc_tensor *inputs, size_t count);
  /// Forgets the cached tokens (the memory stays).
  void resetKVCache() { position = 0; }
  int64_t kvPosition() const { return position; }
  int64_t kvCapacity() const { return capacity; }

private:
  explicit Session(const Model &model);
  /// Sizes the outputs of a forward call, or of a step (whose
  /// last-position outputs have one row).
  Status prepareOutputs(const std::vector<int64_t> &dims, bool step);
  /// Binds inputs, checks that the call fits the memory budget (a step
  /// when stepCapacity > 0), sizes outputs and fills `buffers`; dims in
  /// `dims`.
  Status prepare(const attnc_tensor *inputs, size_t count,
                 std::vector<int64_t> &dims, int64_t stepCapacity = 0);
  /// Appends the model's scratch memory to `buffers`, when it takes one,
  /// growing it to `bytes` first.
  Status appendArena(std::optional<uint64_t> bytes);
  /// Grows the arena to `bytes`, mapped in.
  Status growArena(std::optional<uint64_t> bytes);
  /// A cache of `batch` rows of `capacity` tokens, mapped in.
  Status allocateCache(int64_t batch);
  /// The cache and arena of steps with these dims (seq: the most new tokens).
  Status reserveStep(const std::vector<int64_t> &dims);

  const Model &owner;
  ScratchPool scratch;
  std::vector<OutputTensor> results;
  std::vector<void *> buffers;
  AlignedBuffer cache;
  /// The model's scratch memory (docs/abi.md, "arena"), kept from call to
  /// call and grown when a call needs more.
  AlignedBuffer arena;
  /// cacheRows: the rows `cache` holds; cacheBatch: the batch size the
  /// first step fixed (0 before it).
  int64_t capacity = 0, cacheRows = 0, cacheBatch = 0, position = 0;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_SESSION_H
