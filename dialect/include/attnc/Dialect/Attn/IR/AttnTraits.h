//===- AttnTraits.h - Op classes of the attn dialect ------------*- C++ -*-===//
//
// Passes ask an op for its class (`op->hasTrait<...>()`) instead of keeping
// lists of ops, so that a new op of a class is known to all of them. ODS
// attaches them (AttnOps.td: Attn_Activation, Attn_ShapeOfFirstOperand).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_ATTNTRAITS_H
#define ATTNC_DIALECT_ATTN_IR_ATTNTRAITS_H

#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/TypeUtilities.h"

namespace attnc::attn::OpTrait {

/// An elementwise activation, f(x) on every element of its one operand:
/// the gated units of attnc-fuse-projections and the matrix kernels'
/// epilogues accept any of them.
template <typename ConcreteType>
class Activation : public mlir::OpTrait::TraitBase<ConcreteType, Activation> {
};

/// The result has the shape of operand 0 (elementwise ops, masks, softmax,
/// normalizations, activations, rope, positions): the dim tracer and the
/// cost model follow a result's dimensions to that operand.
template <typename ConcreteType>
class ShapeOfFirstOperand
    : public mlir::OpTrait::TraitBase<ConcreteType, ShapeOfFirstOperand> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    if (op->getNumOperands() < 1 || op->getNumResults() != 1 ||
        mlir::failed(mlir::verifyCompatibleShape(op->getOperand(0).getType(),
                                                 op->getResult(0).getType())))
      return op->emitOpError("expects a result of the shape of its first "
                             "operand");
    return mlir::success();
  }
};

} // namespace attnc::attn::OpTrait

#endif // ATTNC_DIALECT_ATTN_IR_ATTNTRAITS_H
