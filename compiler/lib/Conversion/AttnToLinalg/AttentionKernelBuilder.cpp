//===- AttentionKernelBuilder.cpp - What attention kernels share ----------===//
#include "AttentionKernelBuilder.h"
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace attnc::lowering {

Value AttentionKernelBuilder::dim(Value t, int64_t d) {
  return b.create<tensor::DimOp>(loc, t, d);
}

Value AttentionKernelBuilder::kvHeadOf(Value h) {
  return group == 1 ? h : b.create<arith::DivUIOp>(loc, h, index(group));
}

Value AttentionKernelBuilder::element(const HeadLayout &t, Value h, Value row,
                                      Value d) {
  SmallVector<Value> at{batch, h, row, d};
  if (t.merged)
    at = {batch, row,
          add(b.create<arith::MulIOp>(loc, h, index(t.headDim())), d)};
  return b.create<tensor::ExtractOp>(loc, t.tensor, at);
}

Value AttentionKernelBuilder::keyOffset() {
  ArithBuilder ints(b, loc);
  return visibility::keyOffset(ints, sq, sk);
}

Value AttentionKernelBuilder::lastKey(Value row, Value offset) {
  ArithBuilder ints(b, loc);
  return visibility::lastKey(ints, row, offset);
}

Value AttentionKernelBuilder::keyEnd(Value row, Value offset) {
  ArithBuilder ints(b, loc);
  return visibility::keyEnd(ints, row, offset, index(1));
}

Value AttentionKernelBuilder::keyAllowed(Value row) {
  Value x = b.create<tensor::ExtractOp>(loc, mask, ValueRange{batch, row});
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(x.getType()));
  if (isa<FloatType>(x.getType()))
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x, zero);
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
}

} // namespace attnc::lowering
