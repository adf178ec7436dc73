//===- AttnMutator.cpp - libFuzzer custom mutator for .attn text ----------===//
//
// Linked into attnc-fuzz-frontend-structure, with FrontendFuzzer.cpp's
// LLVMFuzzerTestOneInput: libFuzzer then mutates through these hooks only.
// Fifteen mutations in sixteen change the model's structure
// (AttnMutations.h); the sixteenth, and any that does not apply or would
// exceed the size limit, is libFuzzer's own byte-level mutation (with
// attn.dict). libFuzzer stacks up to five mutations per input, so more bytes
// than that would leave most mutants with a syntax error, which
// attnc-fuzz-frontend already covers.
//
//===----------------------------------------------------------------------===//
#include "AttnMutations.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <cstring>
#include <random>

using namespace attnc::fuzz;

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {
llvm::StringRef textOf(const uint8_t *data, size_t size) {
  return llvm::StringRef(reinterpret_cast<const char *>(data), size);
}

/// Copies `result` to `out` if it fits; its size, or 0.
size_t emit(const std::optional<std::string> &result, uint8_t *out,
            size_t maxSize) {
  if (!result || result->empty() || result->size() > maxSize)
    return 0;
  std::memcpy(out, result->data(), result->size());
  return result->size();
}
} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::minstd_rand rng(seed);
  if (rng() % 16 != 0)
    if (size_t n = emit(mutateAttn(textOf(data, size), rng), data, maxSize))
      return n;
  return LLVMFuzzerMutate(data, size, maxSize);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1,
                                            const uint8_t *data2, size_t size2,
                                            uint8_t *out, size_t maxOutSize,
                                            unsigned seed) {
  std::minstd_rand rng(seed);
  return emit(crossOverAttn(textOf(data1, size1), textOf(data2, size2), rng),
              out, maxOutSize);
}
