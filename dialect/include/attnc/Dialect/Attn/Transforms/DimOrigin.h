//===- DimOrigin.h - The model argument a size comes from ------*- C++ -*-===//
//
// MLIR types say only `?` for a dynamic size; the model function's arguments
// say which dim (`batch`, `seq`, ...) each of theirs is (attn.shape). Passes
// that add model outputs of new shapes follow a size back to an argument to
// name it in the manifest and to compute it at function level.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_TRANSFORMS_DIMORIGIN_H
#define ATTNC_DIALECT_ATTN_TRANSFORMS_DIMORIGIN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LogicalResult.h"

namespace attnc::attn {

/// Dimension `dim` of the argument `arg` of the model function.
struct DimOrigin {
  mlir::BlockArgument arg;
  unsigned dim;
};

/// Follows dimension `dim` of `value` back through attn ops, tensor casts and
/// the loop-carried values of scf.for loops (only when each iteration keeps
/// that size) to an argument of `fn`. Fails on anything else.
mlir::FailureOr<DimOrigin> traceDimOrigin(mlir::func::FuncOp fn,
                                          mlir::Value value, unsigned dim);

} // namespace attnc::attn

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_DIMORIGIN_H
