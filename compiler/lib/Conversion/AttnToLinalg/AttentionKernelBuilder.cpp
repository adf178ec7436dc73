//===- AttentionKernelBuilder.cpp - What attention kernels share ----------===//
#include "AttentionKernelBuilder.h"
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <limits>

using namespace mlir;

namespace attnc::lowering {

Value AttentionKernelBuilder::dim(Value t, int64_t d) {
  return b.create<tensor::DimOp>(loc, t, d);
}

Value AttentionKernelBuilder::kvHeadOf(Value h) {
  return group == 1 ? h : b.create<arith::DivUIOp>(loc, h, index(group));
}

void AttentionKernelBuilder::setHead(Value h) {
  head = h;
  kvHead = kvHeadOf(h);
  if (variant.alibi)
    slope = b.create<tensor::ExtractOp>(loc, alibiSlopes(b, loc, heads), h);
}

SmallVector<Value> AttentionKernelBuilder::elementIndices(const HeadLayout &t,
                                                          Value h, Value row,
                                                          Value d) {
  if (t.merged)
    return {batch, row,
            add(b.create<arith::MulIOp>(loc, h, index(t.headDim())), d)};
  return {batch, h, row, d};
}

Value AttentionKernelBuilder::element(const HeadLayout &t, Value h, Value row,
                                      Value d) {
  Value x =
      b.create<tensor::ExtractOp>(loc, t.tensor, elementIndices(t, h, row, d));
  return x.getType() == f32 ? x : b.create<arith::ExtFOp>(loc, f32, x);
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

Value AttentionKernelBuilder::firstVisibleKey(Value last) {
  if (!variant.window)
    return index(0);
  ArithBuilder ints(b, loc);
  return max(index(0),
             visibility::firstKey(ints, last, index(variant.window - 1)));
}

Value AttentionKernelBuilder::visibleScore(Value score, Value last,
                                           Value key) {
  auto vecType = dyn_cast<VectorType>(score.getType());
  auto widen = [&](Value x) -> Value {
    return vecType ? b.create<vector::BroadcastOp>(loc, vecType, x) : x;
  };
  if (variant.alibi)
    score = b.create<arith::AddFOp>(loc, score, widen(alibiBias(key)));
  if (!variant.window)
    return score;
  // `last` is an index for one row, or i32 lanes for a tile of rows.
  Value j = key, windowLess1 = index(variant.window - 1);
  if (auto lanes = dyn_cast<VectorType>(last.getType())) {
    Value j32 = b.create<arith::IndexCastOp>(loc, b.getI32Type(), key);
    j = b.create<vector::BroadcastOp>(loc, lanes, j32);
    windowLess1 = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(
                 lanes, b.getI32IntegerAttr(
                            static_cast<int32_t>(std::min<int64_t>(
                                variant.window - 1,
                                std::numeric_limits<int32_t>::max())))));
  }
  ArithBuilder ints(b, loc);
  Value first = visibility::firstKey(ints, last, windowLess1);
  Value inside =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, j, first);
  Value negInf = b.create<arith::ConstantOp>(
      loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  return b.create<arith::SelectOp>(loc, inside, score, widen(negInf));
}

Value AttentionKernelBuilder::alibiBias(Value key) {
  Value slopes = slope;
  if (auto keys = dyn_cast<VectorType>(key.getType()))
    slopes = b.create<vector::BroadcastOp>(
        loc, VectorType::get(keys.getShape(), f32), slope);
  else
    key = b.create<arith::IndexCastOp>(loc, b.getI64Type(), key);
  return b.create<arith::MulFOp>(
      loc, slopes, b.create<arith::SIToFPOp>(loc, slopes.getType(), key));
}

Value AttentionKernelBuilder::keyAllowed(Value row) {
  return maskAllows(
      b.create<tensor::ExtractOp>(loc, mask, ValueRange{batch, row}));
}

Value AttentionKernelBuilder::maskAllows(Value x) {
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(x.getType()));
  if (isa<FloatType>(getElementTypeOrSelf(x.getType())))
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x, zero);
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
}

} // namespace attnc::lowering
