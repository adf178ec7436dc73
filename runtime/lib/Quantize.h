//===- Quantize.h - int8 weights with a scale per block ---------*- C++ -*-===//
//
// int8 weight storage (docs/abi.md, "int8 weights"): each row of a matrix
// (the input features of one output feature) is cut into blocks of
// ATTNC_INT8_BLOCK values (the last one may be shorter). A block's scale is
// max|w| / 127 in f32, rounded to f16 (nearest, ties to even; stored in f16:
// 2 bytes a block); each value is w / scale in f32, rounded to nearest with
// ties to even and clamped to [-127, 127]; a block whose scale is 0 (all
// zeros, or below f16's smallest subnormal times 127) has values 0. The
// value the kernels multiply with is q * scale.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LIB_QUANTIZE_H
#define ATTNC_RUNTIME_LIB_QUANTIZE_H

#include "attnc/model_abi.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnc::rt {

inline constexpr size_t kInt8Block = ATTNC_INT8_BLOCK;

/// Blocks per row of `cols` values.
inline size_t int8Blocks(size_t cols) {
  return (cols + kInt8Block - 1) / kInt8Block;
}

/// f16's largest finite value.
inline constexpr float kHalfMax = 65504.0f;
/// The largest |w| an int8 weight can hold: 127 times its scale's largest.
inline constexpr float kInt8MaxWeight = 127.0f * kHalfMax;

/// Quantizes `rows` x `cols` row-major values into `values` (same shape)
/// and `scales` (rows x int8Blocks(cols), the bits of f16 values).
/// Returns the index of the first value that is not finite or beyond
/// kInt8MaxWeight (nothing is meaningful then), else nullopt.
std::optional<size_t> quantizeInt8(const float *w, size_t rows, size_t cols,
                                   int8_t *values, uint16_t *scales);

/// Why a value quantizeInt8 stopped at cannot be quantized: "is not finite;
/// ..." or "is V, beyond ...".
std::string int8QuantizeError(float value);

/// Quantizes one matrix of `rows` x `cols` whose output features are its
/// rows (`outIsRow`) or its columns, keeping its layout: `values` has its
/// shape, `scales` its shape with the input features cut to
/// int8Blocks(ins). Returns the index of the first value that cannot be
/// quantized (in the [out, in] order), else nullopt.
std::optional<size_t> quantizeMatrix(const float *w, size_t rows, size_t cols,
                                     bool outIsRow, int8_t *values,
                                     uint16_t *scales);

// A checkpoint quantized ahead of time (`attnc quantize`, docs/abi.md
// "int8 weights"): a weight NAME is stored as int8 values NAME (I8, its own
// shape and layout) and f16 scales NAME.scales (F32 ones, which attnc
// quantize wrote before 2026-12-06, are read too: rounded to f16), and the
// file's metadata records the block.

/// The name of the scales of tensor `name`.
inline std::string int8ScalesName(const std::string &name) {
  return name + ".scales";
}
/// The metadata key of the block ("32").
inline constexpr const char *kInt8BlockKey = "attnc_int8_block";

/// The shape of the scales of a weight of `shape` whose input features are
/// along `inAxis`.
inline std::vector<int64_t> int8ScalesShape(std::vector<int64_t> shape,
                                            size_t inAxis) {
  shape[inAxis] = static_cast<int64_t>(int8Blocks(static_cast<size_t>(shape[inAxis])));
  return shape;
}

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_LIB_QUANTIZE_H
