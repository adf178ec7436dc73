//===- ModelAttributes.cpp - The model function and its attributes --------===//
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

using namespace mlir;

static FailureOr<func::FuncOp> lookupModel(ModuleOp module, bool required) {
  SmallVector<func::FuncOp> models;
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn->hasAttr(attnc::kModelAttr))
      models.push_back(fn);
  if (models.empty() && !required)
    return func::FuncOp();
  if (models.size() != 1)
    return module.emitError("expected one function marked '")
           << attnc::kModelAttr << "', found " << models.size();
  if (models.front().isExternal())
    return models.front().emitError("the model function @")
           << models.front().getSymName() << " has no body";
  return models.front();
}

FailureOr<func::FuncOp> attnc::lookupModelFunction(ModuleOp module) {
  return lookupModel(module, /*required=*/true);
}

FailureOr<func::FuncOp> attnc::lookupOptionalModelFunction(ModuleOp module) {
  return lookupModel(module, /*required=*/false);
}

FailureOr<func::FuncOp> attnc::lookupStepFunction(ModuleOp module) {
  func::FuncOp step;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (!fn->hasAttr(kStepOfAttr))
      continue;
    if (step)
      return module.emitError("expected at most one function marked '")
             << kStepOfAttr << "', found @" << step.getSymName() << " and @"
             << fn.getSymName();
    step = fn;
  }
  return step;
}

static StringRef stringOr(StringAttr attr) {
  return attr ? attr.getValue() : StringRef();
}

StringRef attnc::getModelName(func::FuncOp fn) {
  return stringOr(fn->getAttrOfType<StringAttr>(kModelAttr));
}

ArrayAttr attnc::getModelDims(func::FuncOp fn) {
  return fn->getAttrOfType<ArrayAttr>(kDimsAttr);
}

StringRef attnc::getArgKind(func::FuncOp fn, unsigned index) {
  return stringOr(fn.getArgAttrOfType<StringAttr>(index, kKindAttr));
}

StringRef attnc::getArgName(func::FuncOp fn, unsigned index) {
  return stringOr(fn.getArgAttrOfType<StringAttr>(index, kNameAttr));
}

ArrayAttr attnc::getArgShape(func::FuncOp fn, unsigned index) {
  return fn.getArgAttrOfType<ArrayAttr>(index, kShapeAttr);
}

StringRef attnc::getResultName(func::FuncOp fn, unsigned index) {
  return stringOr(fn.getResultAttrOfType<StringAttr>(index, kNameAttr));
}

int64_t attnc::getArgLayers(func::FuncOp fn, unsigned index) {
  auto layers = fn.getArgAttrOfType<IntegerAttr>(index, kLayersAttr);
  return layers ? layers.getInt() : 0;
}
