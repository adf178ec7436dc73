//===- InputsFuzzer.cpp - libFuzzer target for binding run inputs ---------===//
//
// Input: one byte choosing a manifest (an encoder-style model, a decoder
// with a KV cache, an index bound and a defaulted mask, a model with three
// dims and mixed dtypes), then the tensors an `attnc run` caller passes:
//
//   count, then per tensor: name (an input's, an unknown one, or none),
//   dtype (any of attnc_dtype's values and beyond), rank (negative too),
//   shape entries (signed bytes), whether data is given and misaligned;
//   the data's bytes are the rest of the input, repeated.
//
// Runs rt::bindInputs, then the session's memory check (checkCallMemory,
// under ATTNC_MEMORY_LIMIT=1M) for the dims it inferred. Besides crashes and
// sanitizer reports, it checks: every failure has a message; on success
// every dim is >= 1 and equals the matching entry of each given input's
// shape, every buffer is non-null and aligned, and an index-bounded input
// holds only ids inside its bound; the memory check fails only with
// OUT_OF_MEMORY.
//
//===----------------------------------------------------------------------===//
#include "Inputs.h"
#include "Manifest.h"
#include "MemoryPlan.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace attnc;

namespace {

constexpr const char *kManifests[] = {
    R"({"abi_version": 1, "name": "encoder", "dims": ["batch", "seq"],
        "inputs": [{"name": "x", "dtype": "f32", "shape": ["batch", "seq", 4]},
                   {"name": "t", "dtype": "f32", "shape": ["seq"]}],
        "params": [],
        "outputs": [{"name": "y", "dtype": "f32", "shape": ["batch", "seq", 4]}],
        "arena": {"alignment": 64,
                  "forward": [{"bytes": 16, "times": ["batch", "seq", "seq"]}]}})",
    R"({"abi_version": 1, "name": "decoder", "dims": ["batch", "seq"],
        "inputs": [{"name": "input_ids", "dtype": "i64", "shape": ["batch", "seq"],
                    "index_bound": 50},
                   {"name": "mask", "dtype": "f32", "shape": ["batch", "seq"],
                    "default": 1}],
        "params": [],
        "outputs": [{"name": "logits", "dtype": "f32",
                     "shape": ["batch", "seq", 50]}],
        "kv_cache": {"batch_dim": "batch", "seq_dim": "seq", "dtype": "f32",
                     "floats_per_token": 64},
        "arena": {"alignment": 64,
                  "forward": [{"bytes": 8, "times": ["batch", "seq", "seq"]}],
                  "step": [{"bytes": 4, "times": ["batch", "seq", "capacity"]},
                           {"bytes": 4, "times": ["position"]}]}})",
    R"({"abi_version": 1, "name": "mixed", "dims": ["n", "m", "k"],
        "inputs": [{"name": "a", "dtype": "i32", "shape": ["n"]},
                   {"name": "b", "dtype": "f32", "shape": [2, "m", "n"]},
                   {"name": "c", "dtype": "i64", "shape": ["m", "k"],
                    "default": 0}],
        "params": [],
        "outputs": [{"name": "y", "dtype": "f32", "shape": ["n", "m", "k"]}]})",
};
constexpr size_t kNumManifests = sizeof(kManifests) / sizeof(kManifests[0]);
/// Elements of one tensor at most: larger shapes are not given data.
constexpr uint64_t kMaxElements = 1 << 16;

[[noreturn]] void bug(const std::string &what) {
  std::fprintf(stderr, "attnc inputs fuzzer: %s\n", what.c_str());
  std::abort();
}

/// Reads the input byte by byte; 0 once it runs out.
class Reader {
public:
  Reader(const uint8_t *data, size_t size) : data(data), size(size) {}
  uint8_t next() { return at < size ? data[at++] : 0; }
  /// Fills `out` with the bytes not yet read, repeated (zeros if none).
  void fill(uint8_t *out, size_t bytes) const {
    for (size_t i = 0; i < bytes; ++i)
      out[i] = at < size ? data[at + i % (size - at)] : 0;
  }

private:
  const uint8_t *data;
  size_t size;
  size_t at = 0;
};

const std::vector<rt::Manifest> &manifests() {
  static const std::vector<rt::Manifest> parsed = [] {
    std::vector<rt::Manifest> all;
    for (const char *json : kManifests) {
      Expected<rt::Manifest> m = rt::parseManifest(json);
      if (!m)
        bug("a fixed manifest does not parse: " + m.error().message());
      all.push_back(std::move(*m));
    }
    return all;
  }();
  return parsed;
}

struct Given {
  std::vector<int64_t> shape;
  std::vector<uint8_t> storage;
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // The memory check compares with a fixed budget, not with this machine.
  setenv("ATTNC_MEMORY_LIMIT", "1M", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in(data, size);
  const rt::Manifest &manifest = manifests()[in.next() % kNumManifests];
  size_t count = in.next() % 5;
  std::vector<Given> given(count);
  std::vector<attnc_tensor> tensors(count);
  static const char *const kOtherNames[] = {"bogus", ""};
  for (size_t i = 0; i < count; ++i) {
    attnc_tensor &t = tensors[i];
    size_t pick = in.next() % (manifest.inputs.size() + 3);
    t.name = pick < manifest.inputs.size()
                 ? manifest.inputs[pick].name.c_str()
                 : pick == manifest.inputs.size() + 2
                       ? nullptr
                       : kOtherNames[pick - manifest.inputs.size()];
    t.dtype = static_cast<attnc_dtype>(in.next() % 17);
    t.rank = static_cast<int8_t>(in.next()) % 6;
    if (t.rank > 0)
      for (int32_t d = 0; d < t.rank; ++d)
        given[i].shape.push_back(static_cast<int8_t>(in.next()));
    t.shape = t.rank > 0 ? given[i].shape.data() : nullptr;
    uint8_t flags = in.next();
    std::optional<uint64_t> elements =
        rt::checkedByteSize(given[i].shape);
    if (elements && *elements > kMaxElements)
      return 0; // the caller's data must cover its shape: keep it small
    if (flags & 1) {
      size_t bytes = (elements ? *elements : 0) * 8 + 8;
      given[i].storage.resize(bytes + 1);
      in.fill(given[i].storage.data(), given[i].storage.size());
      t.data = given[i].storage.data() + ((flags & 2) ? 1 : 0);
    }
  }

  rt::ScratchPool scratch;
  Expected<rt::BoundInputs> bound =
      rt::bindInputs(manifest, tensors.data(), tensors.size(), scratch);
  if (!bound) {
    if (bound.error().message().empty())
      bug("bindInputs failed without a message");
    return 0;
  }
  if (bound->dims.size() != manifest.dims.size() ||
      bound->buffers.size() != manifest.inputs.size())
    bug("bindInputs bound the wrong number of dims or inputs");
  for (int64_t dim : bound->dims)
    if (dim < 1)
      bug("bindInputs inferred a dim below 1");
  for (size_t k = 0; k < manifest.inputs.size(); ++k) {
    const rt::TensorSpec &spec = manifest.inputs[k];
    const void *buffer = bound->buffers[k];
    if (!buffer || !rt::isAligned(buffer, spec.dtype))
      bug("input '" + spec.name + "' is bound to a null or misaligned buffer");
    for (size_t i = 0; i < count; ++i) {
      if (!tensors[i].name || spec.name != tensors[i].name)
        continue;
      if (static_cast<size_t>(tensors[i].rank) != spec.shape.size())
        bug("input '" + spec.name + "' bound with another rank");
      for (size_t d = 0; d < spec.shape.size(); ++d) {
        int64_t expected = spec.dimIndex[d] >= 0
                               ? bound->dims[spec.dimIndex[d]]
                               : spec.shape[d];
        if (tensors[i].shape[d] != expected)
          bug("input '" + spec.name + "' bound with another shape");
      }
      if (spec.indexBound > 0) {
        auto ids = static_cast<const int64_t *>(buffer);
        uint64_t n = *rt::checkedByteSize(given[i].shape);
        for (uint64_t j = 0; j < n; ++j)
          if (ids[j] < 0 || ids[j] >= spec.indexBound)
            bug("input '" + spec.name + "' holds an id outside its bound");
      }
    }
  }

  int64_t capacity = manifest.kvCache ? 1 + in.next() : 0;
  Status fits = rt::checkCallMemory(manifest, bound->dims, capacity, 0, {});
  if (!fits && (fits.error().code() != ATTNC_ERROR_OUT_OF_MEMORY ||
                fits.error().message().empty()))
    bug("the memory check failed with another code or no message");
  return 0;
}
