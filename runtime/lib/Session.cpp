//===- Session.cpp - One caller's runs of a shared model ------------------===//
#include "Session.h"

#include "MemoryPlan.h"
#include "Residency.h"

#include <algorithm>
#include <new>

namespace attnc::rt {

Expected<std::unique_ptr<Session>> Session::create(const Model &model) {
  if (!model.isReady())
    return Error(ATTNC_ERROR_STATE, "model '" + model.manifest().name +
                                        "' has no weights: load them before "
                                        "running it");
  model.startThreads();
  return std::unique_ptr<Session>(new Session(model));
}

Session::Session(const Model &model) : owner(model) { ++owner.liveSessions; }

Session::~Session() { --owner.liveSessions; }

Status Session::prepareOutputs(const std::vector<int64_t> &dims, bool step) {
  const Manifest &spec = owner.manifest();
  results.resize(spec.outputs.size());
  for (size_t k = 0; k < spec.outputs.size(); ++k) {
    const TensorSpec &output = spec.outputs[k];
    OutputTensor &result = results[k];
    result.spec = &output;
    result.shape = output.shape;
    for (size_t i = 0; i < result.shape.size(); ++i)
      if (output.dimIndex[i] >= 0)
        result.shape[i] = dims[output.dimIndex[i]];
    if (step && std::count(spec.kvCache->lastPosition.begin(),
                           spec.kvCache->lastPosition.end(), k))
      result.shape[1] = 1;
    std::optional<uint64_t> bytes =
        checkedByteSize(result.shape, attnc_dtype_size(output.dtype));
    if (!bytes || *bytes > SIZE_MAX)
      return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                   "output '" + output.name + "' of shape " +
                       formatShape(result.shape) + " is too large");
    if (!result.buffer.data() || result.buffer.size() < *bytes) {
      // Input shapes come from files; the output they imply may not fit.
      try {
        result.buffer = AlignedBuffer(*bytes);
      } catch (const std::bad_alloc &) {
        return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                     "output '" + output.name + "' of shape " +
                         formatShape(result.shape) + " needs " +
                         std::to_string(*bytes) +
                         " bytes, more than can be allocated");
      }
      populateWritable(result.buffer.data(), result.buffer.size());
    }
  }
  return Status::success();
}

Status Session::prepare(const attnc_tensor *inputs, size_t count,
                        std::vector<int64_t> &dims, int64_t stepCapacity) {
  const Manifest &spec = owner.manifest();
  Expected<BoundInputs> bound = bindInputs(spec, inputs, count, scratch);
  if (!bound)
    return bound.error();
  HeldMemory held{0, arena.size(), cache.size()};
  for (const OutputTensor &output : results)
    held.outputs += output.buffer.size();
  if (Status s = checkCallMemory(spec, bound->dims, stepCapacity, position,
                                 held);
      !s)
    return s;
  if (Status s = prepareOutputs(bound->dims, stepCapacity > 0); !s)
    return s;
  dims = bound->dims;
  buffers.clear();
  for (const void *input : bound->buffers)
    buffers.push_back(const_cast<void *>(input));
  for (const void *param : owner.paramBuffers())
    buffers.push_back(const_cast<void *>(param));
  for (OutputTensor &output : results)
    buffers.push_back(output.buffer.data());
  for (const void *pack : owner.packBuffers())
    buffers.push_back(const_cast<void *>(pack));
  return Status::success();
}

Status Session::appendArena(std::optional<uint64_t> bytes) {
  if (!owner.manifest().arena)
    return Status::success();
  if (Status s = growArena(bytes); !s)
    return s;
  buffers.push_back(arena.data());
  return Status::success();
}

Status Session::growArena(std::optional<uint64_t> bytes) {
  if (!bytes || *bytes > SIZE_MAX)
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 "model '" + owner.manifest().name +
                     "': its scratch memory for these sizes is too large");
  if (*bytes > 0 && (!arena.data() || arena.size() < *bytes)) {
    try {
      arena = AlignedBuffer(static_cast<size_t>(*bytes));
    } catch (const std::bad_alloc &) {
      return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                   "model '" + owner.manifest().name + "': its scratch "
                   "memory for these sizes needs " + std::to_string(*bytes) +
                   " bytes, more than can be allocated");
    }
    populateWritable(arena.data(), arena.size());
  }
  return Status::success();
}

Status Session::run(const attnc_tensor *inputs, size_t count) {
  const Manifest &spec = owner.manifest();
  std::vector<int64_t> dims;
  if (Status s = prepare(inputs, count, dims); !s) {
    results.clear();
    return s;
  }
  if (spec.arena)
    if (Status s = appendArena(ArenaSpec::bytes(spec.arena->forward, dims));
        !s) {
      results.clear();
      return s;
    }
  owner.applyThreadSettings();
  if (int32_t code = owner.call([&] {
        return owner.forwardFunction()(dims.data(), buffers.data());
      })) {
    results.clear();
    return Error(ATTNC_ERROR_MODEL, "model '" + spec.name +
                                        "': attnc_model_forward failed with "
                                        "code " + std::to_string(code));
  }
  return Status::success();
}

Status Session::enableKVCache(int64_t newCapacity) {
  const Manifest &spec = owner.manifest();
  if (!spec.kvCache)
    return Error(ATTNC_ERROR_STATE,
                 "model '" + spec.name + "' has no incremental decoding "
                 "(only causal self-attention models do)");
  if (newCapacity < 1)
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "KV cache capacity must be at least 1, got " +
                     std::to_string(newCapacity));
  // The smallest cache any step allocates (a batch of one), refused now
  // rather than at the first step: first a size beyond 64 bits, then one
  // over the memory budget.
  if (kvCacheBytes(spec, 1, newCapacity) == UINT64_MAX)
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 "KV cache of " + std::to_string(newCapacity) +
                     " tokens for a batch of 1 is too large");
  MemoryNeed need;
  uint64_t perToken = kvCacheBytes(spec, 1, 1);
  need.add("KV cache", kvCacheBytes(spec, 1, newCapacity));
  if (Status s = checkMemory(
          need,
          "model '" + spec.name + "': a KV cache of " +
              std::to_string(newCapacity) + " tokens for a batch of 1",
          [&](uint64_t available) {
            return available / perToken
                       ? "what would fit: a KV cache of at most " +
                             std::to_string(available / perToken) + " tokens"
                       : std::string("not even one token fits");
          });
      !s)
    return s;
  capacity = newCapacity;
  cache = AlignedBuffer();
  cacheRows = 0;
  cacheBatch = 0;
  position = 0;
  // Ready for the usual single sequence: the cache of one batch row and the
  // scratch of a one-token step at the last position (the arena's terms
  // grow with every factor). A prefill or another batch size may need more:
  // reserve() prepares those.
  std::vector<int64_t> dims(spec.dims.size(), 1);
  if (Status s = reserveStep(dims); !s) {
    capacity = 0;
    return s;
  }
  return Status::success();
}

Status Session::allocateCache(int64_t batch) {
  const Manifest &spec = owner.manifest();
  // kvCacheBytes saturates at UINT64_MAX when the size overflows.
  uint64_t bytes = kvCacheBytes(spec, batch, capacity);
  if (bytes == UINT64_MAX || bytes > SIZE_MAX)
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 "KV cache of " + std::to_string(capacity) +
                     " tokens for a batch of " + std::to_string(batch) +
                     " is too large");
  try {
    cache = AlignedBuffer(bytes);
  } catch (const std::bad_alloc &) {
    return Error(ATTNC_ERROR_OUT_OF_MEMORY,
                 "KV cache of " + std::to_string(capacity) +
                     " tokens for a batch of " + std::to_string(batch) +
                     " needs " + formatBytes(bytes) +
                     ", more than can be allocated");
  }
  populateWritable(cache.data(), cache.size());
  cacheRows = batch;
  return Status::success();
}

Status Session::reserveStep(const std::vector<int64_t> &dims) {
  const Manifest &spec = owner.manifest();
  int64_t batch = dims[spec.kvCache->batchDim];
  int64_t fresh = std::min(dims[spec.kvCache->seqDim], capacity);
  if (!cacheBatch && cacheRows != batch)
    if (Status s = allocateCache(batch); !s)
      return s;
  if (!spec.arena)
    return Status::success();
  std::vector<int64_t> sized = dims;
  sized[spec.kvCache->seqDim] = fresh;
  return growArena(
      ArenaSpec::bytes(spec.arena->step, sized, capacity, capacity - fresh));
}

Status Session::reserve(const std::vector<int64_t> &dims) {
  const Manifest &spec = owner.manifest();
  if (dims.size() != spec.dims.size())
    return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                 "model '" + spec.name + "' has " +
                     std::to_string(spec.dims.size()) +
                     " dynamic dims, reserve was given " +
                     std::to_string(dims.size()));
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] < 1)
      return Error(ATTNC_ERROR_INVALID_ARGUMENT,
                   "reserve: dim '" + spec.dims[i] +
                       "' must be at least 1, got " + std::to_string(dims[i]));
  if (Status s = prepareOutputs(dims, /*step=*/false); !s)
    return s;
  if (capacity > 0)
    return reserveStep(dims);
  if (!spec.arena)
    return Status::success();
  return growArena(ArenaSpec::bytes(spec.arena->forward, dims));
}

Status Session::step(const attnc_tensor *inputs, size_t count) {
  const Manifest &spec = owner.manifest();
  if (!spec.kvCache || capacity == 0) {
    results.clear();
    return Error(ATTNC_ERROR_STATE,
                 "model '" + spec.name + "': enable the KV cache before "
                 "stepping");
  }
  std::vector<int64_t> dims;
  if (Status s = prepare(inputs, count, dims, capacity); !s) {
    results.clear();
    return s;
  }
  int64_t batch = dims[spec.kvCache->batchDim];
  int64_t fresh = dims[spec.kvCache->seqDim];
  auto fail = [&](const std::string &message) {
    results.clear();
    return Error(ATTNC_ERROR_INVALID_ARGUMENT, message);
  };
  if (cacheBatch && batch != cacheBatch)
    return fail("KV cache: this session caches a batch of " +
                std::to_string(cacheBatch) + ", the inputs have " +
                std::to_string(batch) + " (reset with a new capacity to "
                "change it)");
  if (position + fresh > capacity)
    return fail("KV cache full: " + std::to_string(position) +
                " cached tokens + " + std::to_string(fresh) +
                " new ones exceed its capacity of " +
                std::to_string(capacity));
  if (!cacheBatch) {
    if (cacheRows != batch)
      if (Status s = allocateCache(batch); !s) {
        results.clear();
        return s;
      }
    cacheBatch = batch;
  }
  if (spec.arena)
    if (Status s = appendArena(ArenaSpec::bytes(spec.arena->step, dims,
                                                capacity, position));
        !s) {
      results.clear();
      return s;
    }
  owner.applyThreadSettings();
  if (int32_t code = owner.call([&] {
        return owner.stepFunction()(dims.data(), buffers.data(), cache.data(),
                                    capacity, position);
      })) {
    results.clear();
    return Error(ATTNC_ERROR_MODEL, "model '" + spec.name +
                                        "': attnc_model_step failed with "
                                        "code " + std::to_string(code));
  }
  position += fresh;
  return Status::success();
}

} // namespace attnc::rt
