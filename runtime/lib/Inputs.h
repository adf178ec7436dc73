//===- Inputs.h - Matching run inputs to a manifest -------------*- C++ -*-===//
#ifndef ATTNC_RUNTIME_LIB_INPUTS_H
#define ATTNC_RUNTIME_LIB_INPUTS_H

#include "Manifest.h"
#include "Support.h"

#include <vector>

namespace attnc::rt {

/// The inputs of one run, in manifest order, and the value of every dim.
struct BoundInputs {
  /// In Manifest::dims order, as attnc_model_forward takes them.
  std::vector<int64_t> dims;
  /// One per manifest input; aligned to the element size.
  std::vector<const void *> buffers;
  /// Aligned copies of inputs given at misaligned addresses.
  std::vector<AlignedBuffer> copies;
};

/// Matches `inputs` to the manifest by name and infers the dims from their
/// shapes. Fails with every problem found, one per line.
Expected<BoundInputs> bindInputs(const Manifest &manifest,
                                 const attnc_tensor *inputs, size_t count);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_INPUTS_H
