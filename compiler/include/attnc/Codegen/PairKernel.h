//===- PairKernel.h - bf16 pair products of LowerContractions ---*- C++ -*-===//
//
// The inner loop of LowerContractions for a bf16 weight packed in pairs of k
// (Contraction::rhsIsPairs, layout panel_pairs): per pair of k, each f32 lane
// of C gets a[k] * b[k][n] + a[k+1] * b[k+1][n], A rounded to bf16. With
// AVX512_BF16 that is one `vdpbf16ps` per accumulator (the LLVM intrinsic:
// MLIR 19's x86vector dialect has no bf16 dot product); otherwise each pair
// register is widened to its even and odd k and multiplied by two FMAs, with
// the same rounding of A: the numbers differ only by the order of f32 sums.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_PAIRKERNEL_H
#define ATTNC_CODEGEN_PAIRKERNEL_H

#include "attnc/Codegen/LaneKernel.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace attnc::codegen {

/// `dot`: vdpbf16ps.
class PairKernel : LaneKernel {
public:
  using LaneKernel::LaneKernel;

  /// Scratch for `rows` rows of A rounded to bf16, `depth` k each: bf16
  /// pairs as i32 (dot) or the rounded values as f32.
  mlir::MemRefType scratchType(int64_t rows, int64_t depth) const;

  /// Rounds elements [0, kc) of A's rows 0 .. rows-1 (each contiguous;
  /// `rowAt(i, j)` the indices of element j of row i) into `scratch`, with a
  /// zero after an odd kc.
  void roundRows(mlir::Value a,
                 llvm::function_ref<llvm::SmallVector<mlir::Value>(
                     int64_t, mlir::Value)>
                     rowAt,
                 int64_t rows, mlir::Value kc, mlir::Value scratch);

  /// The k loop of a tile: `acc` (rows x `vectors` accumulators, row-major)
  /// plus the products of the rounded rows in `scratch` and ceil(kc / 2)
  /// pairs of the panel `panels[slot][pair0 + q][0 .. 2W)` (pairs
  /// collapsed to rows of 2W bf16).
  mlir::scf::ForOp emitLoop(mlir::Value panels, mlir::Value slot,
                            mlir::Value pair0, mlir::Value kc,
                            mlir::Value scratch, int64_t rows,
                            int64_t vectors, mlir::ValueRange acc);

private:
  /// `x` (f32 lanes) rounded to bf16 to nearest even, as f32 (integer
  /// arithmetic: no CPU feature needed; NaN stays NaN).
  mlir::Value roundInF32(mlir::Value x);
  /// One pair of k for every accumulator.
  llvm::SmallVector<mlir::Value> step(mlir::Value panels, mlir::Value slot,
                                      mlir::Value pairRow, mlir::Value q,
                                      mlir::Value scratch, int64_t rows,
                                      int64_t vectors, mlir::ValueRange acc);
};

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_PAIRKERNEL_H
