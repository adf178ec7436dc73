//===- QuadProducts.h - How a target multiplies int8 quads -*- C++ -*-===//
//
// The int8 x int8 kernel (QuadKernel.h) sums, per i32 lane, the 4 products
// of a weight's bytes (a quad of k) and the same k of A's quantized row. The
// target decides how: each way gives the same exact i32 sums.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_QUADPRODUCTS_H
#define ATTNC_CODEGEN_QUADPRODUCTS_H

#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace attnc::codegen {

enum class QuadProducts {
  /// vpdpbusd (AVX512_VNNI; at 8 lanes AVX-VNNI or AVX512_VNNI with
  /// AVX512VL) on the weight's bytes made unsigned (q_w + 128), less
  /// 128 * sum(q_x) per block.
  Vnni,
  /// vpmaddubsw then vpmaddwd by ones (AVX2 at 8 lanes, AVX512BW at 16):
  /// |q_w| (unsigned) times q_x with q_w's sign. |q_x| <= 127 (A's
  /// quantization) and |q_w| <= 128, so a pair of products sums to at most
  /// 32512 in i16: no saturation.
  Madd,
  /// Each byte shifted and masked, i32 products: any target.
  Shifts,
};

/// The fastest way `target` (with `features`) has at its vector width.
QuadProducts quadProductsFor(const VectorTarget &target,
                             llvm::ArrayRef<std::string> features);

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_QUADPRODUCTS_H
