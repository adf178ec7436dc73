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
