//===- Quantize.h - int8 weights with a scale per block ---------*- C++ -*-===//
//
// int8 weight storage (docs/abi.md, "int8 weights"): each row of a matrix
// (the input features of one output feature) is cut into blocks of
// ATTNC_INT8_BLOCK values (the last one may be shorter). A block's scale is
// max|w| / 127 in f32; each value is w / scale in f32, rounded to nearest
// with ties to even and clamped to [-127, 127]; a block of zeros has scale
// 0 and values 0. The value the kernels multiply with is q * scale.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_QUANTIZE_H
#define ATTNC_RUNTIME_LIB_QUANTIZE_H

#include "attnc/model_abi.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace attnc::rt {

inline constexpr size_t kInt8Block = ATTNC_INT8_BLOCK;

/// Blocks per row of `cols` values.
inline size_t int8Blocks(size_t cols) {
  return (cols + kInt8Block - 1) / kInt8Block;
}

/// Quantizes `rows` x `cols` row-major values into `values` (same shape)
/// and `scales` (rows x int8Blocks(cols)). Returns the index of the first
/// value that is not finite (nothing is meaningful then), else nullopt.
std::optional<size_t> quantizeInt8(const float *w, size_t rows, size_t cols,
                                   int8_t *values, float *scales);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_QUANTIZE_H
