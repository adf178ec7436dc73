//===- AttnDialect.cpp - The attn dialect ---------------------------------===//
#include "attnc/Dialect/Attn/IR/AttnDialect.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"

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
