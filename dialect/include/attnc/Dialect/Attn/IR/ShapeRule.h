//===- ShapeRule.h - How result dimensions follow from operands -*- C++ -*-===//
//
// The shape rule of an attn op (ShapeRuleOpInterface.td), written once on
// the op and read by the verifiers, the cost model, the dim tracer and
// MLIRGen.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_SHAPERULE_H
#define ATTNC_DIALECT_ATTN_IR_SHAPERULE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

#include <optional>

namespace attnc::attn {

/// Where the size of one result dimension comes from.
class DimRule {
public:
  /// Dimension `dim` of operand `operand`: equal sizes, also at run time.
  static DimRule of(unsigned operand, unsigned dim) {
    return DimRule(Kind::Operand, operand, dim, mlir::ShapedType::kDynamic);
  }
  /// A size the op computes from static operand sizes and attributes
  /// (`heads`, `in / heads`); dynamic when those are not static.
  static DimRule size(int64_t size) {
    return DimRule(Kind::Size, 0, 0, size);
  }
  /// Whatever the result type declares (a reshape's static sizes, the
  /// features of a sinusoidal encoding): no operand determines it.
  static DimRule declared() {
    return DimRule(Kind::Declared, 0, 0, mlir::ShapedType::kDynamic);
  }

  /// The operand dimension whose size this is, if any.
  std::optional<std::pair<unsigned, unsigned>> operandDim() const {
    if (kind != Kind::Operand)
      return std::nullopt;
    return std::make_pair(operand, dim);
  }
  bool isDeclared() const { return kind == Kind::Declared; }
  /// The computed size of a `size` rule (kDynamic otherwise).
  int64_t getSize() const { return fixed; }

private:
  enum class Kind { Operand, Size, Declared };
  DimRule(Kind kind, unsigned operand, unsigned dim, int64_t fixed)
      : kind(kind), operand(operand), dim(dim), fixed(fixed) {}
  Kind kind;
  unsigned operand, dim;
  int64_t fixed;
};

using ShapeRule = llvm::SmallVector<DimRule, 4>;

/// The static shape `rule` gives `op`'s result (kDynamic where known only at
/// run time); `declared` supplies the sizes of `declared()` dimensions.
/// Fails when the rule names an operand or dimension `op` lacks.
mlir::FailureOr<llvm::SmallVector<int64_t, 4>>
shapeFromRule(mlir::Operation *op, const ShapeRule &rule,
              llvm::ArrayRef<int64_t> declared = {});

/// The verifier of the interface: the declared result type agrees with the
/// rule ("expects a result of shape [...], got ...").
mlir::LogicalResult verifyShapeRule(mlir::Operation *op);

} // namespace attnc::attn

#include "attnc/Dialect/Attn/IR/ShapeRuleOpInterface.h.inc"

namespace attnc::attn {
/// The shape `op`'s rule gives its result; fails on an op without a rule or
/// with `declared()` dimensions (nothing but the type knows those).
mlir::FailureOr<llvm::SmallVector<int64_t, 4>> inferredShape(mlir::Operation *op);

/// Creates an op whose result type is what its shape rule says: for the
/// builders (MLIRGen) that would otherwise repeat the rule. The op is built
/// with a placeholder type that the rule then replaces.
template <typename OpT, typename... Args>
OpT createWithShapeRule(mlir::OpBuilder &builder, mlir::Location loc,
                        mlir::Type element, Args &&...args) {
  auto op = builder.create<OpT>(loc, mlir::RankedTensorType::get({}, element),
                                std::forward<Args>(args)...);
  mlir::FailureOr<llvm::SmallVector<int64_t, 4>> shape = inferredShape(op);
  assert(succeeded(shape) && "the op's rule has a declared dimension");
  op->getResult(0).setType(mlir::RankedTensorType::get(*shape, element));
  return op;
}
} // namespace attnc::attn

#endif // ATTNC_DIALECT_ATTN_IR_SHAPERULE_H
