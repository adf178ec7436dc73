//===- CodegenHints.cpp - Checks of the code generation hints -------------===//
#include "attnc/Dialect/Attn/IR/CodegenHints.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

using namespace mlir;

std::optional<LogicalResult> attnc::verifyCodegenHint(Operation *op,
                                                      NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kNoMachineSchedulerAttr) {
    if (isa<ModuleOp>(op) && isa<UnitAttr>(attr.getValue()))
      return success();
    return op->emitError() << "'" << name
                           << "' must be a unit attribute of a module";
  }
  if (name == kPrefetchAheadAttr) {
    auto ahead = dyn_cast<IntegerAttr>(attr.getValue());
    if (isa<LoopLikeOpInterface>(op) && ahead && ahead.getInt() > 0)
      return success();
    return op->emitError() << "'" << name
                           << "' must be a positive integer on a loop";
  }
  return std::nullopt;
}
