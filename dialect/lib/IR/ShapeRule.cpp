//===- ShapeRule.cpp - Result shapes from the op's shape rule -------------===//
#include "attnc/Dialect/Attn/IR/ShapeRule.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace attnc::attn;

#include "attnc/Dialect/Attn/IR/ShapeRuleOpInterface.cpp.inc"

FailureOr<SmallVector<int64_t, 4>>
attnc::attn::shapeFromRule(Operation *op, const ShapeRule &rule,
                           ArrayRef<int64_t> declared) {
  SmallVector<int64_t, 4> shape;
  for (auto [d, dimRule] : llvm::enumerate(rule)) {
    if (dimRule.isDeclared()) {
      if (d >= declared.size())
        return failure();
      shape.push_back(declared[d]);
      continue;
    }
    std::optional<std::pair<unsigned, unsigned>> from = dimRule.operandDim();
    if (!from) {
      shape.push_back(dimRule.getSize());
      continue;
    }
    auto [operand, dim] = *from;
    if (operand >= op->getNumOperands())
      return failure();
    auto type = dyn_cast<RankedTensorType>(op->getOperand(operand).getType());
    if (!type || dim >= type.getRank())
      return failure();
    shape.push_back(type.getDimSize(dim));
  }
  return shape;
}

FailureOr<SmallVector<int64_t, 4>> attnc::attn::inferredShape(Operation *op) {
  auto shaped = dyn_cast<ShapeRuleOpInterface>(op);
  if (!shaped)
    return failure();
  return shapeFromRule(op, shaped.getShapeRule());
}

/// Two sizes that must agree: equal, or at least one unknown until run time.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult attnc::attn::verifyShapeRule(Operation *op) {
  auto actual = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!actual)
    return success(); // the op's type constraints have said so
  FailureOr<SmallVector<int64_t, 4>> expected = shapeFromRule(
      op, cast<ShapeRuleOpInterface>(op).getShapeRule(), actual.getShape());
  if (failed(expected))
    return op->emitOpError("has operands its shape rule cannot read");
  if (actual.getRank() == static_cast<int64_t>(expected->size()) &&
      llvm::all_of(llvm::zip(actual.getShape(), *expected), [](auto pair) {
        return compatible(std::get<0>(pair), std::get<1>(pair));
      }))
    return success();
  std::string shape;
  llvm::raw_string_ostream os(shape);
  llvm::interleave(
      *expected, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << "?";
        else
          os << d;
      },
      ", ");
  return op->emitOpError() << "expects a result of shape [" << os.str()
                           << "], got " << actual;
}
