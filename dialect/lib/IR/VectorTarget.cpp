//===- VectorTarget.cpp - The module's `attn.target` ----------------------===//
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

static DictionaryAttr targetOf(Operation *op) {
  auto module = isa<ModuleOp>(op) ? cast<ModuleOp>(op)
                                  : op->getParentOfType<ModuleOp>();
  return module ? module->getAttrOfType<DictionaryAttr>(attnc::kTargetAttr)
                : DictionaryAttr();
}

attnc::VectorTarget attnc::getVectorTarget(Operation *op) {
  VectorTarget target;
  DictionaryAttr dict = targetOf(op);
  if (!dict)
    return target;
  if (auto lanes = dict.getAs<IntegerAttr>("f32_lanes"))
    target.lanes = lanes.getInt();
  if (auto registers = dict.getAs<IntegerAttr>("vector_registers"))
    target.registers = registers.getInt();
  return target;
}

attnc::TargetRecord attnc::getTargetRecord(Operation *op) {
  TargetRecord record;
  DictionaryAttr dict = targetOf(op);
  if (!dict)
    return record;
  if (auto cpu = dict.getAs<StringAttr>("cpu"))
    record.cpu = cpu.str();
  if (auto features = dict.getAs<ArrayAttr>("features"))
    for (Attribute feature : features)
      if (auto name = dyn_cast<StringAttr>(feature))
        record.features.push_back(name.str());
  return record;
}

LogicalResult attnc::verifyTargetAttribute(Operation *op, Attribute value) {
  auto fail = [&](StringRef what) {
    return op->emitError() << "'" << kTargetAttr << "' " << what;
  };
  if (!isa<ModuleOp>(op))
    return fail("must be on a module");
  auto dict = dyn_cast<DictionaryAttr>(value);
  if (!dict)
    return fail("must be a dictionary");
  if (Attribute cpu = dict.get("cpu"); cpu && !isa<StringAttr>(cpu))
    return fail("cpu must be a string");
  if (Attribute features = dict.get("features")) {
    auto list = dyn_cast<ArrayAttr>(features);
    if (!list || !llvm::all_of(list, llvm::IsaPred<StringAttr>))
      return fail("features must be an array of strings");
  }
  auto atLeast = [&](StringRef key, int64_t least) {
    Attribute attr = dict.get(key);
    auto integer = dyn_cast_or_null<IntegerAttr>(attr);
    return !attr || (integer && integer.getInt() >= least);
  };
  if (!atLeast("f32_lanes", 1))
    return fail("f32_lanes must be a positive integer");
  if (!atLeast("vector_registers", 4))
    return fail("vector_registers must be an integer of at least 4");
  return success();
}
