//===- ManifestFuzzer.cpp - libFuzzer target for the manifest reader ------===//
//
// Input: a manifest JSON text, as a compiled model's attnc_model_manifest
// returns it. Runs rt::parseManifest and, on what it accepts, the memory
// plan arithmetic (planMemory, checkPlan, the arena's terms) at small and at
// huge dims.
//
// Besides crashes and sanitizer reports (UBSan catches overflow in the
// arithmetic), it checks what the parser promises to the rest of the runtime:
// every failure has a message starting "invalid manifest: "; names are
// unique per kind; every shape entry is a size >= 0 or a dim whose index is
// in range; every dim appears in some input; pack members, KV cache dims
// and arena factors point at things that exist; a stacked parameter's
// template has "{i}" and its first dim is its layer count.
//
//===----------------------------------------------------------------------===//
#include "Manifest.h"
#include "MemoryPlan.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

using namespace attnc;

namespace {

[[noreturn]] void bug(const std::string &what) {
  std::fprintf(stderr, "attnc manifest fuzzer: %s\n", what.c_str());
  std::abort();
}

void checkSpecs(const rt::Manifest &m, const std::vector<rt::TensorSpec> &specs,
                const char *kind, std::vector<bool> &dimUsed, bool isInput) {
  std::set<std::string> names;
  for (const rt::TensorSpec &spec : specs) {
    if (!names.insert(spec.name).second)
      bug(std::string(kind) + " name '" + spec.name + "' accepted twice");
    if (spec.shape.size() != spec.dimIndex.size())
      bug("shape and dimIndex of '" + spec.name + "' differ in length");
    for (size_t i = 0; i < spec.shape.size(); ++i) {
      int dim = spec.dimIndex[i];
      if (dim >= static_cast<int>(m.dims.size()) || dim < -1)
        bug("'" + spec.name + "' names dim index " + std::to_string(dim));
      if (dim >= 0 && spec.shape[i] != -1)
        bug("'" + spec.name + "' has a dim entry with a static size");
      if (dim < 0 && spec.shape[i] < 0)
        bug("'" + spec.name + "' has a negative static size");
      if (dim >= 0 && isInput)
        dimUsed[dim] = true;
    }
    // The weights loader sizes parameters without checking again.
    if (!isInput && std::string(kind) == "parameter" &&
        !rt::checkedByteSize(spec.shape, attnc_dtype_size(spec.dtype)))
      bug("parameter '" + spec.name + "' has a size that overflows");
    if (spec.layers) {
      if (spec.tensor.find("{i}") == std::string::npos)
        bug("stacked '" + spec.name + "' has no {i} in its template");
      if (spec.shape.empty() || spec.shape[0] != spec.layers)
        bug("stacked '" + spec.name + "' does not lead with its layers");
      (void)rt::layerTensorName(spec, spec.layers - 1);
    }
    (void)m.typeString(spec);
  }
}

void checkManifest(const rt::Manifest &m) {
  std::vector<bool> dimUsed(m.dims.size());
  checkSpecs(m, m.inputs, "input", dimUsed, true);
  checkSpecs(m, m.params, "parameter", dimUsed, false);
  checkSpecs(m, m.outputs, "output", dimUsed, false);
  for (size_t d = 0; d < dimUsed.size(); ++d)
    if (!dimUsed[d])
      bug("dim '" + m.dims[d] + "' appears in no input");
  for (const rt::PackSpec &pack : m.packs) {
    if (pack.members.empty())
      bug("pack '" + pack.name + "' has no members");
    for (int member : pack.members)
      if (member < 0 || member >= static_cast<int>(m.params.size()))
        bug("pack '" + pack.name + "' has member index " +
            std::to_string(member));
    if (!rt::checkedByteSize(pack.shape))
      bug("pack '" + pack.name + "' has a shape whose size overflows");
  }
  if (m.kvCache) {
    int n = static_cast<int>(m.dims.size());
    if (m.kvCache->batchDim < 0 || m.kvCache->batchDim >= n ||
        m.kvCache->seqDim < 0 || m.kvCache->seqDim >= n)
      bug("kv_cache dims out of range");
    if (m.kvCache->floatsPerToken < 0)
      bug("kv_cache has negative floats_per_token");
  }
  if (m.arena)
    for (const auto *terms : {&m.arena->forward, &m.arena->step})
      for (const rt::ArenaTerm &term : *terms) {
        if (term.bytes < 0)
          bug("an arena term has negative bytes");
        for (int f : term.factors)
          if (f >= static_cast<int>(m.dims.size()) ||
              (f < 0 && f != rt::ArenaTerm::kCapacity &&
               f != rt::ArenaTerm::kPosition))
            bug("an arena factor points nowhere: " + std::to_string(f));
      }
}

/// The plan at every dim = `value`: never crashes, and fits a limit of
/// UINT64_MAX - 1 exactly when its total (which saturates) is below it.
void checkPlan(const rt::Manifest &m, int64_t value, int64_t capacity) {
  std::vector<int64_t> dims(m.dims.size(), value);
  if (capacity > 0 && !m.kvCache)
    capacity = 0;
  rt::MemoryPlan plan = rt::planMemory(m, dims, capacity);
  rt::MemoryLimit limit{UINT64_MAX - 1, "fuzz", false};
  uint64_t total = plan.need().total(limit);
  Status fits = rt::checkPlan(m, dims, capacity, limit);
  if (static_cast<bool>(fits) != (total <= limit.bytes))
    bug("checkPlan disagrees with the plan's total");
  if (!fits && fits.error().message().empty())
    bug("checkPlan failed without a message");
  // A small limit exercises the search for what would fit.
  Status small = rt::checkPlan(m, dims, capacity, {4096, "fuzz", false});
  if (!small && small.error().code() != ATTNC_ERROR_OUT_OF_MEMORY)
    bug("checkPlan failed with another code than OUT_OF_MEMORY");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view json(reinterpret_cast<const char *>(data), size);
  Expected<rt::Manifest> manifest = rt::parseManifest(json);
  if (!manifest) {
    if (manifest.error().code() != ATTNC_ERROR_FORMAT ||
        manifest.error().message().rfind("invalid manifest: ", 0) != 0)
      bug("parseManifest failed with code " +
          std::to_string(manifest.error().code()) + ": " +
          manifest.error().message());
    return 0;
  }
  checkManifest(*manifest);
  checkPlan(*manifest, 1, 1);
  checkPlan(*manifest, 7, 100);
  checkPlan(*manifest, int64_t(1) << 40, int64_t(1) << 40);
  return 0;
}
