//===- MemoryPlan.cpp - What a model needs, from its manifest -------------===//
#include "MemoryPlan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

namespace attnc::rt {
namespace {

uint64_t add(uint64_t a, uint64_t b) {
  uint64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

uint64_t bytesOf(const std::vector<int64_t> &shape, attnc_dtype dtype) {
  return checkedByteSize(shape, attnc_dtype_size(dtype)).value_or(UINT64_MAX);
}

/// One call's memory beyond what is held.
struct CallNeed {
  uint64_t outputs = 0, arena = 0, kvCache = 0;
  uint64_t total() const { return add(add(outputs, arena), kvCache); }
};

CallNeed callNeed(const Manifest &manifest, const std::vector<int64_t> &dims,
                  int64_t capacity, int64_t position, const HeldMemory &held) {
  CallNeed need;
  uint64_t outputs = outputBytes(manifest, dims);
  need.outputs = outputs > held.outputs ? outputs : 0;
  uint64_t arena = arenaBytes(manifest, dims, capacity, position);
  need.arena = arena > held.arena ? arena : 0;
  if (capacity > 0 && !held.kvCache && manifest.kvCache)
    need.kvCache = kvCacheBytes(manifest, dims[manifest.kvCache->batchDim],
                                capacity);
  return need;
}

/// The need of a call (or a plan) for dims and a KV cache capacity.
using NeedFn =
    std::function<uint64_t(const std::vector<int64_t> &, int64_t)>;

/// "what would fit: a KV cache of at most 900 tokens; batch at most 2":
/// each alone shrunk, down to `minCapacity` tokens and dims of 1.
std::string fitHint(const Manifest &manifest, const std::vector<int64_t> &dims,
                    int64_t capacity, int64_t minCapacity, uint64_t available,
                    const NeedFn &need) {
  std::vector<std::string> fits;
  if (capacity > 0 && manifest.kvCache)
    if (auto most = largestFitting(
            minCapacity, capacity - 1, available,
            [&](int64_t n) { return need(dims, n); }))
      fits.push_back("a KV cache of at most " + std::to_string(*most) +
                     " tokens");
  for (size_t i = 0; i < dims.size(); ++i) {
    std::vector<int64_t> smaller = dims;
    if (auto most = largestFitting(1, dims[i] - 1, available, [&](int64_t n) {
          smaller[i] = n;
          return need(smaller, capacity);
        }))
      fits.push_back(manifest.dims[i] + " at most " + std::to_string(*most));
  }
  if (fits.empty())
    return "nothing smaller fits: give the process more memory (or set "
           "ATTNC_MEMORY_LIMIT)";
  std::string text = "what would fit: ";
  for (size_t i = 0; i < fits.size(); ++i)
    text += (i ? "; " : "") + fits[i];
  return text;
}

std::string dimsText(const Manifest &manifest,
                     const std::vector<int64_t> &dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + manifest.dims[i] + " = " +
            std::to_string(dims[i]);
  return text;
}

} // namespace

uint64_t paramBytes(const TensorSpec &param) {
  return bytesOf(param.shape, param.dtype);
}

uint64_t packBytes(const Manifest &manifest) {
  uint64_t sum = 0;
  for (const PackSpec &pack : manifest.packs)
    sum = add(sum, bytesOf(pack.shape, pack.dtype));
  return sum;
}

std::string weightsOverLimitHint(const Manifest &manifest) {
  std::map<attnc_dtype, uint64_t> bytes;
  for (const TensorSpec &param : manifest.params)
    bytes[param.dtype] = add(bytes[param.dtype], paramBytes(param));
  for (const PackSpec &pack : manifest.packs)
    bytes[pack.dtype] = add(bytes[pack.dtype], bytesOf(pack.shape, pack.dtype));
  attnc_dtype storage = ATTNC_DTYPE_F32;
  uint64_t most = 0;
  for (auto [dtype, sum] : bytes)
    if (sum > most)
      std::tie(storage, most) = std::tie(dtype, sum);
  return std::string("the weights are held as ") + attnc_dtype_name(storage) +
         (storage == ATTNC_DTYPE_F32
              ? " (as compiled; attnc compile --weight-type bf16 halves them)"
              : " (as compiled)") +
         ": give the process more memory (or set ATTNC_MEMORY_LIMIT)";
}

uint64_t outputBytes(const Manifest &manifest,
                     const std::vector<int64_t> &dims) {
  uint64_t sum = 0;
  for (const TensorSpec &output : manifest.outputs) {
    std::vector<int64_t> shape = output.shape;
    for (size_t i = 0; i < shape.size(); ++i)
      if (output.dimIndex[i] >= 0)
        shape[i] = dims[output.dimIndex[i]];
    sum = add(sum, bytesOf(shape, output.dtype));
  }
  return sum;
}

uint64_t kvCacheBytes(const Manifest &manifest, int64_t batch,
                      int64_t capacity) {
  if (!manifest.kvCache)
    return 0;
  return checkedByteSize({manifest.kvCache->floatsPerToken, batch, capacity},
                         attnc_dtype_size(manifest.kvCache->dtype))
      .value_or(UINT64_MAX);
}

uint64_t arenaBytes(const Manifest &manifest, const std::vector<int64_t> &dims,
                    int64_t capacity, int64_t position) {
  if (!manifest.arena)
    return 0;
  return ArenaSpec::bytes(capacity > 0 ? manifest.arena->step
                                       : manifest.arena->forward,
                          dims, capacity, position)
      .value_or(UINT64_MAX);
}

Status checkCallMemory(const Manifest &manifest,
                       const std::vector<int64_t> &dims, int64_t capacity,
                       int64_t position, const HeldMemory &held) {
  CallNeed need = callNeed(manifest, dims, capacity, position, held);
  if (need.total() == 0)
    return Status::success();
  MemoryNeed parts;
  parts.add("outputs", need.outputs);
  parts.add("arena", need.arena);
  parts.add("KV cache", need.kvCache);
  std::string what = "model '" + manifest.name + "': " +
                     (capacity > 0 ? "a step" : "a run") + " with " +
                     dimsText(manifest, dims) +
                     (capacity > 0 ? " and a KV cache of " +
                                         std::to_string(capacity) + " tokens"
                                   : "");
  return checkMemory(parts, what, [&](uint64_t available) {
    int64_t fresh =
        manifest.kvCache ? dims[manifest.kvCache->seqDim] : int64_t(0);
    return fitHint(manifest, dims, held.kvCache ? 0 : capacity,
                   position + fresh, available,
                   [&](const std::vector<int64_t> &d, int64_t c) {
                     return callNeed(manifest, d, c > 0 ? c : capacity,
                                     position, held)
                         .total();
                   });
  });
}

MemoryNeed MemoryPlan::need() const {
  MemoryNeed parts;
  parts.add("weights", weights);
  parts.add("packs", packs);
  parts.add("arena", arena);
  parts.add("KV cache", kvCache);
  parts.add("outputs", outputs);
  return parts;
}

MemoryPlan planMemory(const Manifest &manifest,
                      const std::vector<int64_t> &dims, int64_t capacity) {
  MemoryPlan plan;
  for (const TensorSpec &param : manifest.params)
    plan.weights = add(plan.weights, paramBytes(param));
  plan.packs = packBytes(manifest);
  plan.outputs = outputBytes(manifest, dims);
  if (capacity > 0 && manifest.kvCache) {
    plan.kvCache =
        kvCacheBytes(manifest, dims[manifest.kvCache->batchDim], capacity);
    std::vector<int64_t> single = dims;
    single[manifest.kvCache->seqDim] = 1;
    plan.arena =
        std::max(arenaBytes(manifest, dims, capacity, 0),
                 arenaBytes(manifest, single, capacity, capacity - 1));
  } else {
    plan.arena = arenaBytes(manifest, dims);
  }
  return plan;
}

Status checkPlan(const Manifest &manifest, const std::vector<int64_t> &dims,
                 int64_t capacity, const MemoryLimit &limit) {
  MemoryPlan plan = planMemory(manifest, dims, capacity);
  uint64_t fixed = add(plan.weights, plan.packs);
  int64_t prompt =
      manifest.kvCache ? dims[manifest.kvCache->seqDim] : int64_t(1);
  std::string hint =
      fixed >= limit.bytes
          ? weightsOverLimitHint(manifest)
          : fitHint(manifest, dims, capacity, prompt, limit.bytes,
                    [&](const std::vector<int64_t> &d, int64_t c) {
                      return planMemory(manifest, d, c).need().total(limit);
                    });
  std::string what = "model '" + manifest.name + "' with " +
                     dimsText(manifest, dims) +
                     (capacity > 0 ? " and a KV cache of " +
                                         std::to_string(capacity) + " tokens"
                                   : "");
  return checkMemory(plan.need(), limit, what, hint);
}

} // namespace attnc::rt
