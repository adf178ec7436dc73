//===- ShapeRuleOpInterface.td - Result shapes of attn ops -*- tablegen -*-===//
//
// The one statement of how an op's result dimensions follow from its
// operands. The verifiers, the cost model (--stats), the dim tracer
// (DimOrigin) and MLIRGen all ask it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTNC_DIALECT_ATTN_IR_SHAPERULEOPINTERFACE_TD
#define ATTNC_DIALECT_ATTN_IR_SHAPERULEOPINTERFACE_TD

include "mlir/IR/OpBase.td"

def Attn_ShapeRuleOpInterface : OpInterface<"ShapeRuleOpInterface"> {
  let cppNamespace = "::attnc::attn";
  let description = [{
    Says, for each dimension of the op's one result, where its size comes
    from (ShapeRule.h): a dimension of an operand (`DimRule::of`), a size
    the op computes from static sizes and attributes (`DimRule::size`), or
    the size the result type declares (`DimRule::declared`, for sizes no
    operand determines). Called only once the op's own verifier has
    checked the operand ranks the rule reads. Ops whose result has their
    first operand's shape get the rule from the `ShapeOfFirstOperand`
    trait; others list `Attn_OwnShapeRule` and define `getShapeRule` in
    AttnOps.cpp.
  }];
  let methods = [
    InterfaceMethod<"The rule of each result dimension, outermost first.",
      "::attnc::attn::ShapeRule", "getShapeRule">
  ];
  // After the op's own verifier, so that the rule sees checked ranks.
  let verify = [{ return ::attnc::attn::verifyShapeRule($_op); }];
  let verifyWithRegions = 1;
}

#endif // ATTNC_DIALECT_ATTN_IR_SHAPERULEOPINTERFACE_TD
