//===- Contraction.h - Matrix products that get a vector kernel -*- C++ -*-===//
//
// Recognizes the linalg ops (on buffers) that LowerContractions rewrites into
// register-blocked vector kernels, and the shape of those kernels.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_CONTRACTION_H
#define ATTNC_CODEGEN_CONTRACTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace attnc::codegen {

/// One zmm register of f32.
inline constexpr int64_t kVectorWidth = 16;
/// A column panel is 3 vectors wide: an 8 x 48 tile of C takes 24 of the 32
/// zmm registers, leaving room for the 3 vectors of B and a broadcast of A.
inline constexpr int64_t kPanelVectors = 3;
inline constexpr int64_t kPanelWidth = kPanelVectors * kVectorWidth;
inline constexpr int64_t kRowTile = 8;
/// 256 k x 48 columns x 8 panels of packed B (384 KiB) stay in the 2 MiB L2.
inline constexpr int64_t kDepthBlock = 256;
inline constexpr int64_t kPanelsPerGroup = 8;

/// C[batch.., m, n] += A[...] * B[...] over one reduction loop k, where C's
/// rows are contiguous along n. Loop positions refer to the op's loops.
struct Contraction {
  mlir::linalg::LinalgOp op;
  llvm::SmallVector<unsigned> batch;
  unsigned m = 0, n = 0, k = 0;
  /// B's last dimension is n with unit stride: its rows copy as vectors.
  bool rhsIsKN = false;
  /// B is a weight packed at load as [ceil(N / 48)][K][48]: it is read by
  /// the map (n floordiv 48, k, n mod 48) and needs no packing.
  bool rhsIsPacked = false;
};

/// The contraction `op` computes, if LowerContractions handles it: f32,
/// buffer semantics, a multiply-accumulate body, and maps that are projected
/// permutations (B may instead be packed, as above).
std::optional<Contraction> matchContraction(mlir::linalg::LinalgOp op);

/// A memref of rank >= 1 whose last dimension has stride 1 (its rows load
/// as vectors).
bool hasUnitInnerStride(mlir::Value buffer);

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_CONTRACTION_H
