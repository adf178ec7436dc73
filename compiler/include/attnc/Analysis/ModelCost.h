//===- ModelCost.h - Parameters and FLOPs of an attn model ------*- C++ -*-===//
//
// Reads the model function (after the graph passes): its parameters from the
// argument types, and the FLOPs of its contractions (linear, matmul,
// attention) as polynomials in the model's dims, each op's shape derived
// from the shapes of the inputs it depends on.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_MODELCOST_H
#define ATTNC_ANALYSIS_MODELCOST_H

#include "attnc/Analysis/Polynomial.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace attnc {

struct Contraction {
  enum class Kind { Linear, Matmul, Attention };
  Kind kind = Kind::Linear;
  /// Executions per forward pass (the trip counts of the loops around it).
  int64_t repeat = 1;
  /// Multiply-adds counted twice: 2*M*N*K, and for attention the dense
  /// 2*B*H*Sq*Sk*(D + Dv) of q k^T and p v.
  Polynomial flops;
  /// Attention only: B*H, Sq, Sk, D + Dv, and whether it is causal (then
  /// query i sees keys j <= i + Sk - Sq only, and the FLOPs count those),
  /// and its sliding window (0: none; only the window's keys are counted).
  Polynomial heads, queries, keys;
  int64_t width = 0;
  bool causal = false;
  int64_t window = 0;
};

struct ModelCost {
  /// The symbols of the polynomials: the model's dims (attn.dims).
  std::vector<std::string> dims;
  int64_t parameters = 0, weightBytes = 0;
  std::vector<Contraction> contractions;
  /// Contractions whose sizes could not be derived (not counted).
  unsigned unsized = 0;

  /// FLOPs of one forward pass with `values` of the dims, of contractions of
  /// `kind` only if given.
  double flops(llvm::ArrayRef<int64_t> values,
               std::optional<Contraction::Kind> kind = std::nullopt) const;
};

/// The cost of the function marked attn.model in `module`; fails (with a
/// diagnostic) if there is none.
mlir::FailureOr<ModelCost> analyzeModelCost(mlir::ModuleOp module);

} // namespace attnc

#endif // ATTNC_ANALYSIS_MODELCOST_H
