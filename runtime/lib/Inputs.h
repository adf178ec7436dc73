//===- Inputs.h - Matching run inputs to a manifest -------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_INPUTS_H
#define ATTNC_RUNTIME_LIB_INPUTS_H

#include "Manifest.h"
#include "Support.h"

#include <vector>

namespace attnc::rt {

/// Buffers kept from one run to the next, so that a session converts or
/// fills its inputs without allocating once their sizes settle.
class ScratchPool {
public:
  /// At least `bytes` bytes, aligned; slot `slot`'s previous memory if it
  /// was large enough. Throws std::bad_alloc.
  void *get(size_t slot, size_t bytes);

private:
  std::vector<AlignedBuffer> buffers;
};

/// The inputs of one run, in manifest order, and the value of every dim.
struct BoundInputs {
  /// In Manifest::dims order, as attnc_model_forward takes them.
  std::vector<int64_t> dims;
  /// One per manifest input, of the manifest's dtype, aligned to the element
  /// size: the caller's memory, or the pool's.
  std::vector<const void *> buffers;
};

/// Matches `inputs` to the manifest by name and infers the dims from their
/// shapes. Inputs of another convertible dtype are converted and misaligned
/// ones copied into `scratch`; omitted inputs with a default are filled
/// there. Fails with every problem found, one per line.
Expected<BoundInputs> bindInputs(const Manifest &manifest,
                                 const attnc_tensor *inputs, size_t count,
                                 ScratchPool &scratch);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_INPUTS_H
