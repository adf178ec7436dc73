//===- AttnDialect.cpp - The attn dialect ---------------------------------===//
#include "attnc/Dialect/Attn/IR/AttnDialect.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/CodegenHints.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

using namespace mlir;
using namespace attnc::attn;

#include "attnc/Dialect/Attn/IR/AttnOpsDialect.cpp.inc"

/// Every op states its result shape (ShapeRuleOpInterface.td): a new op
/// without one does not compile, rather than being skipped or guessed at by
/// the cost model, the dim tracer or a verifier.
template <typename... Ops>
static constexpr bool everyOpHasAShapeRule() {
  return (Ops::template hasTrait<ShapeRuleOpInterface::Trait>() && ...);
}
static_assert(everyOpHasAShapeRule<
#define GET_OP_LIST
#include "attnc/Dialect/Attn/IR/AttnOps.cpp.inc"
                  >(),
              "an attn op needs a shape rule: Attn_ShapeOfFirstOperand or "
              "Attn_OwnShapeRule and its getShapeRule (AttnOps.cpp)");

void AttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "attnc/Dialect/Attn/IR/AttnOps.cpp.inc"
      >();
}

LogicalResult AttnDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  if (attr.getName() == attnc::kTargetAttr)
    return attnc::verifyTargetAttribute(op, attr.getValue());
  if (std::optional<LogicalResult> hint = attnc::verifyCodegenHint(op, attr))
    return *hint;
  return attnc::verifyFunctionAttribute(op, attr);
}

LogicalResult AttnDialect::verifyRegionArgAttribute(Operation *op,
                                                    unsigned regionIndex,
                                                    unsigned argIndex,
                                                    NamedAttribute attr) {
  return attnc::verifyArgumentAttribute(op, argIndex, attr);
}

LogicalResult AttnDialect::verifyRegionResultAttribute(Operation *op,
                                                       unsigned regionIndex,
                                                       unsigned resultIndex,
                                                       NamedAttribute attr) {
  return attnc::verifyResultAttribute(op, resultIndex, attr);
}
