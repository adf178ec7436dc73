//===- VectorTarget.h - The vector unit a module is compiled for -*- C++ -*-===//
//
// The driver records the target CPU on the module as `attn.target`:
//
//   module attributes {attn.target = {cpu = "x86-64-v3",
//       features = ["avx", "avx2", "fma", ...], f32_lanes = 8 : i64,
//       vector_registers = 16 : i64}}
//
// Every pass whose output depends on the vector unit (weight panels, the
// register tile of the matrix kernels, vectorized elementwise loops, flash
// attention tiles) reads its shape here, so one attribute steers them all and
// a module without it is compiled for AVX-512 (16 lanes, 32 registers), as
// the passes' own lit tests assume. ExposeModelABI copies cpu and features
// into the manifest, which the runtime checks against the CPU it runs on.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_VECTORTARGET_H
#define ATTNC_DIALECT_ATTN_IR_VECTORTARGET_H

#include "mlir/IR/Operation.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc {

/// On the module: the target (DictionaryAttr, see above).
inline constexpr llvm::StringLiteral kTargetAttr = "attn.target";

/// The dialect's check of an `attn.target`: on a module, a dictionary whose
/// cpu is a string, features an array of strings, f32_lanes a positive
/// integer and vector_registers an integer of at least 4.
mlir::LogicalResult verifyTargetAttribute(mlir::Operation *op,
                                          mlir::Attribute value);

struct VectorTarget {
  /// f32 elements of one vector register, and the number of such registers.
  int64_t lanes = 16;
  int64_t registers = 32;

  /// A weight panel is 3 vectors wide: a tile of rowTile() x 3 vectors of C
  /// plus 3 vectors of B and a broadcast of A fill the registers
  /// (8 x 48 of 32 zmm registers; 4 x 24 of 16 ymm registers).
  static constexpr int64_t kPanelVectors = 3;
  int64_t panelWidth() const { return kPanelVectors * lanes; }
  int64_t rowTile() const { return registers / 4; }
};

/// The vector unit of the module holding `op` (its `attn.target`), or the
/// AVX-512 default above when it has none.
VectorTarget getVectorTarget(mlir::Operation *op);

/// The target's CPU name and features (the ISA extensions the code may use,
/// as LLVM spells them), or empty when the module records none.
struct TargetRecord {
  std::string cpu;
  std::vector<std::string> features;
};
TargetRecord getTargetRecord(mlir::Operation *op);

} // namespace attnc

#endif // ATTNC_DIALECT_ATTN_IR_VECTORTARGET_H
