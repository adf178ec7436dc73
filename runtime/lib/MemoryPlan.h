//===- MemoryPlan.h - What a model needs, from its manifest -----*- C++ -*-===//
//
// The budget arithmetic: the bytes of a model's parameters, packs, outputs,
// arena and KV cache for given dims, and the checks a session makes before
// it grows any of them (MemoryBudget.h has the limit).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_MEMORYPLAN_H
#define ATTNC_RUNTIME_LIB_MEMORYPLAN_H

#include "Manifest.h"
#include "MemoryBudget.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt {

/// Every sum saturates at UINT64_MAX (a need that cannot be met).
uint64_t paramBytes(const TensorSpec &param);
uint64_t packBytes(const Manifest &manifest);
/// The hint of a load or call whose weights alone exceed the limit: they
/// are held in the storage the model was compiled with (the dtype holding
/// most of their bytes), which only recompiling narrower shrinks.
std::string weightsOverLimitHint(const Manifest &manifest);
uint64_t outputBytes(const Manifest &manifest, const std::vector<int64_t> &dims);
/// The KV cache of `batch` rows of `capacity` tokens, in its dtype.
uint64_t kvCacheBytes(const Manifest &manifest, int64_t batch,
                      int64_t capacity);
/// The arena of one call: forward when capacity is 0, else a step.
uint64_t arenaBytes(const Manifest &manifest, const std::vector<int64_t> &dims,
                    int64_t capacity = 0, int64_t position = 0);

/// What a session already holds, and so need not allocate again.
struct HeldMemory {
  uint64_t outputs = 0, arena = 0, kvCache = 0;
};

/// Fails with ATTNC_ERROR_OUT_OF_MEMORY, saying which smaller dims (and,
/// for a step, KV cache capacity) would fit, when one call with `dims` (a
/// step when capacity > 0) needs more than the process may use beyond
/// `held`.
Status checkCallMemory(const Manifest &manifest,
                       const std::vector<int64_t> &dims, int64_t capacity,
                       int64_t position, const HeldMemory &held);

/// The plan of a generation or run: the memory of each component, the
/// arena and outputs for the largest call (with capacity > 0: a prefill of
/// dims' sequence, then one token per step up to `capacity`).
struct MemoryPlan {
  uint64_t weights = 0, packs = 0, arena = 0, kvCache = 0, outputs = 0;
  MemoryNeed need() const;
};
MemoryPlan planMemory(const Manifest &manifest,
                      const std::vector<int64_t> &dims, int64_t capacity);
/// checkMemory of the plan against `limit`, with what would fit.
Status checkPlan(const Manifest &manifest, const std::vector<int64_t> &dims,
                 int64_t capacity, const MemoryLimit &limit);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_MEMORYPLAN_H
