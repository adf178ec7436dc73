//===- WeightStorage.cpp - The element type a weight is kept in -----------===//
#include "attnc/Dialect/Attn/IR/WeightStorage.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace attnc {

std::optional<FloatType> parseWeightType(MLIRContext *ctx, StringRef name) {
  Builder b(ctx);
  return llvm::StringSwitch<std::optional<FloatType>>(name)
      .Case("f32", b.getF32Type())
      .Case("bf16", b.getBF16Type())
      .Case("f16", b.getF16Type())
      .Default(std::nullopt);
}

namespace {

bool isWeightOperand(OpOperand &use) {
  Operation *user = use.getOwner();
  if (isa<attn::LinearOp>(user))
    return use.getOperandNumber() == 1;
  return isa<attn::EmbeddingOp>(user) && use.getOperandNumber() == 0;
}

} // namespace

Operation *firstNonWeightUser(BlockArgument param) {
  for (OpOperand &use : param.getUses()) {
    auto slice = dyn_cast<tensor::ExtractSliceOp>(use.getOwner());
    if (!slice) {
      if (!isWeightOperand(use))
        return use.getOwner();
      continue;
    }
    for (OpOperand &sliceUse : slice.getResult().getUses())
      if (!isWeightOperand(sliceUse))
        return sliceUse.getOwner();
  }
  return nullptr;
}

void setWeightStorage(func::FuncOp fn, BlockArgument param,
                      FloatType element) {
  auto retype = [&](Value v) {
    v.setType(cast<RankedTensorType>(v.getType()).clone(element));
  };
  retype(param);
  for (Operation *user : param.getUsers())
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(user))
      retype(slice.getResult());
  SmallVector<Type> inputs(fn.getArgumentTypes());
  inputs[param.getArgNumber()] = param.getType();
  fn.setType(FunctionType::get(fn.getContext(), inputs, fn.getResultTypes()));
}

} // namespace attnc
