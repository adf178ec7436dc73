//===- TileFusion.h - Elementwise ops computed on a kernel's C tile -*- C++ -*-===//
//
// The elementwise linalg ops (on buffers) around a contraction that its
// kernel can compute on the register tile of C instead of in a pass of their
// own over memory:
//   - the init: the op just before that fills C (a bias broadcast, zeros),
//     evaluated on the tile of the first k block instead of loading C;
//   - the epilogue: the op just after that reads C once, at the same index,
//     and writes its own output (GELU, SiLU, a residual add, a scale, ...),
//     evaluated on the tile of the last k block, then stored to its output.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CODEGEN_TILEFUSION_H
#define ATTNC_CODEGEN_TILEFUSION_H

#include "attnc/Codegen/Contraction.h"

namespace attnc::codegen {

/// Marks an epilogue whose output buffer attnc-prepare-tile-fusion made sure
/// does not overlap the contraction's operands, and whose C nothing reads
/// afterwards: LowerContractions fuses only marked epilogues.
inline constexpr llvm::StringLiteral kEpilogueAttr = "attnc.epilogue";

/// The op that fills C just before `c` (only ops without memory effects in
/// between), if the kernel can compute it per tile: a linalg.fill, or a
/// parallel linalg.generic writing all of C from f32 inputs that are indexed
/// by C's indices with n innermost or absent.
mlir::linalg::LinalgOp matchInit(Contraction c);

/// The op that reads C just after `c`, if the kernel can compute it per tile:
/// a parallel linalg.generic whose inputs are C (identity) and others as for
/// matchInit, writing a distinct f32 buffer at the same index.
mlir::linalg::GenericOp matchEpilogue(Contraction c);

/// The input of `epilogue` that is `c`'s C.
unsigned epilogueInputOfC(Contraction c, mlir::linalg::GenericOp epilogue);

} // namespace attnc::codegen

#endif // ATTNC_CODEGEN_TILEFUSION_H
