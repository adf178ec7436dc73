//===- AmxKernel.h - bf16 pair products on AMX tiles ------------*- C++ -*-===//
//
// The full row tiles of LowerContractions' bf16 pair products
// (Contraction::rhsIsPairs) on a target with AMX (amx-tile and amx-bf16:
// Intel Sapphire Rapids and later): 16 rows of C by one 48-column panel as
// three 16 x 16 f32 tiles, and per 32 k one tile of A (16 rows of 32 bf16,
// the rounded rows of PairKernel::roundRows read as bf16) and three tiles
// of the panel (16 pairs of k by 16 columns: the panel_pairs layout is
// AMX's), multiplied by `tdpbf16ps` (MLIR's amx dialect). The same products
// as PairKernel's vdpbf16ps: pairs of bf16 products summed into f32 with
// round to nearest even, k ascending.
//
// MLIR 19 cannot carry an AMX tile through a loop (a tile that is a loop's
// iteration argument becomes an LLVM array that the tile intrinsics do not
// accept), so C lives in a small f32 buffer and each iteration of the k loop
// loads its three tiles, runs kStepsPerChunk steps of 32 k as straight-line
// code and stores them back. The buffer's 16 x 48 floats stay in L1.
//
// Single rows (a decode step, the rows left after the last full tile) stay
// on PairKernel. K must be a multiple of kDepth (usesAmx).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_AMXKERNEL_H
#define ATTNC_CODEGEN_AMXKERNEL_H

#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace attnc::codegen {

class AmxKernel {
public:
  /// Rows of A and C per tile, and k per multiplication (16 pairs).
  static constexpr int64_t kRows = 16;
  static constexpr int64_t kDepth = 32;
  /// Steps of kDepth per load and store of the C tiles.
  static constexpr int64_t kStepsPerChunk = 4;

  /// Whether a bf16 pair product of `depth` k (dynamic: < 0) runs on AMX
  /// on `target` with `features` (as LLVM spells them).
  static bool usesAmx(const VectorTarget &target,
                      llvm::ArrayRef<std::string> features, int64_t depth);

  AmxKernel(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}

  /// C's buffer: f32 [kRows][panelWidth].
  mlir::MemRefType accumulatorType(int64_t panelWidth) const;

  /// Stores `start` (kRows x `vectors` vectors of 16 f32, row-major) into
  /// the buffer `acc`; an all-zero start (a product without a bias) as
  /// `vectors` zero tiles (`tilezero`, `tilestored`) instead of kRows x
  /// `vectors` vector stores.
  void emitStart(mlir::Value acc, mlir::ValueRange start, int64_t vectors);

  /// acc[0 .. kRows)[0 .. 16 * vectors) += the rounded rows (`rounded`, bf16
  /// [kRows][>= kc]) times the panel `panels[slot][pair0 + q][0 .. 32 *
  /// vectors)` (pairs collapsed to rows of bf16) for q < kc / 2. kc is a
  /// multiple of kDepth.
  void emitProduct(mlir::Value acc, mlir::Value rounded, mlir::Value panels,
                   mlir::Value slot, mlir::Value pair0, mlir::Value kc,
                   int64_t vectors);

private:
  mlir::Value index(int64_t v) {
    return b.create<mlir::arith::ConstantIndexOp>(loc, v);
  }
  /// `steps` steps of kDepth from k = k0.
  void emitSteps(mlir::Value acc, mlir::Value rounded, mlir::Value panels,
                 mlir::Value slot, mlir::Value pair0, mlir::Value k0,
                 int64_t steps, int64_t vectors);

  mlir::OpBuilder &b;
  mlir::Location loc;
};

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_AMXKERNEL_H
