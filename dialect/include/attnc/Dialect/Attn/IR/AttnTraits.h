//===- AttnTraits.h - Op classes of the attn dialect ------------*- C++ -*-===//
//
// Passes ask an op for its class (`op->hasTrait<...>()`) instead of keeping
// lists of ops, so that a new op of a class is known to all of them. ODS
// attaches them (AttnOps.td: Attn_Activation, Attn_ShapeOfFirstOperand).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_ATTNTRAITS_H
#define ATTNC_DIALECT_ATTN_IR_ATTNTRAITS_H

#include "attnc/Dialect/Attn/IR/ShapeRule.h"

#include "mlir/IR/OpDefinition.h"

namespace attnc::attn::OpTrait {

/// An elementwise activation, f(x) on every element of its one operand:
/// the gated units of attnc-fuse-projections and the matrix kernels'
/// epilogues accept any of them.
template <typename ConcreteType>
class Activation : public mlir::OpTrait::TraitBase<ConcreteType, Activation> {
};

/// Row by row: each row of the result (all axes but the last) is computed
/// from the same row of operand 0 alone (the other operands have no rows:
/// weights, biases). A slice of the result's rows is the op applied to the
/// same slice of operand 0 (attnc-step-last-position moves slices up).
template <typename ConcreteType>
class RowWise : public mlir::OpTrait::TraitBase<ConcreteType, RowWise> {};

/// The result has the shape of operand 0 (elementwise ops, masks, softmax,
/// normalizations, activations, rope, positions): the op's shape rule
/// (ShapeRule.h) in one line.
template <typename ConcreteType>
class ShapeOfFirstOperand
    : public mlir::OpTrait::TraitBase<ConcreteType, ShapeOfFirstOperand> {
public:
  ShapeRule getShapeRule() {
    ShapeRule rule;
    mlir::Operation *op = this->getOperation();
    auto type = op->getNumOperands()
                    ? llvm::dyn_cast<mlir::RankedTensorType>(
                          op->getOperand(0).getType())
                    : mlir::RankedTensorType();
    for (unsigned d = 0, e = type ? type.getRank() : 0; d < e; ++d)
      rule.push_back(DimRule::of(0, d));
    return rule;
  }
};

} // namespace attnc::attn::OpTrait

#endif // ATTNC_DIALECT_ATTN_IR_ATTNTRAITS_H
