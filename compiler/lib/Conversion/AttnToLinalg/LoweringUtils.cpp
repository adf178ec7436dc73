//===- LoweringUtils.cpp - Builders shared by attn-to-linalg patterns -----===//
#include "LoweringUtils.h"
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using utils::IteratorType;

namespace attnc::lowering {

/// A `tensor.empty` of `sizes` (static sizes as attributes, dynamic as values).
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return b.create<tensor::EmptyOp>(loc, sizes,
                                   elementType ? elementType : b.getF32Type());
}

Value floatConstant(OpBuilder &b, Location loc, double value) {
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(value));
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   double value) {
  return b
      .create<linalg::FillOp>(loc, floatConstant(b, loc, value),
                              emptyTensor(b, loc, sizes))
      .getResult(0);
}

/// A map over `numLoops` loops selecting the loops listed in `dims`.
AffineMap selectDims(MLIRContext *ctx, unsigned numLoops,
                     ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

SmallVector<unsigned> range(unsigned begin, unsigned end) {
  SmallVector<unsigned> r;
  for (unsigned i = begin; i < end; ++i)
    r.push_back(i);
  return r;
}

/// An elementwise generic over `resultSizes`: every input is read with its
/// own map (identity unless given), and `body` computes the result element.
Value buildElementwise(OpBuilder &b, Location loc,
                       ArrayRef<OpFoldResult> resultSizes, ValueRange inputs,
                       ArrayRef<AffineMap> inputMaps, ScalarBody body,
                       Type resultElementType) {
  unsigned rank = resultSizes.size();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineMap> maps(inputMaps);
  while (maps.size() < inputs.size())
    maps.push_back(identity);
  maps.push_back(identity);
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  Value init = emptyTensor(b, loc, resultSizes, resultElementType);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        nb.create<linalg::YieldOp>(nl, body(nb, nl, args.drop_back()));
      });
  return generic.getResult(0);
}

Value buildIndexedRead(OpBuilder &b, Location loc,
                       ArrayRef<OpFoldResult> resultSizes, Value input,
                       AffineMap map) {
  return buildElementwise(
      b, loc, resultSizes, input, {map},
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

/// out[batch..., m, n] (+)= sum_k lhs[...] * rhs[...] where the caller gives
/// the maps of lhs and rhs over loops (batch..., m, n, k). `init` holds the
/// accumulator's initial value (zeros, or a broadcast bias).
Value buildContraction(OpBuilder &b, Location loc, Value lhs, AffineMap lhsMap,
                       Value rhs, AffineMap rhsMap, Value init, Value scales,
                       AffineMap scalesMap, bool roundLhs) {
  unsigned outRank = cast<RankedTensorType>(init.getType()).getRank();
  unsigned numLoops = outRank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<IteratorType> iterators(outRank, IteratorType::parallel);
  iterators.push_back(IteratorType::reduction);
  AffineMap outMap = selectDims(ctx, numLoops, range(0, outRank));
  SmallVector<Value> ins{lhs, rhs};
  SmallVector<AffineMap> maps{lhsMap, rhsMap};
  if (scales) {
    ins.push_back(scales);
    maps.push_back(scalesMap);
  }
  maps.push_back(outMap);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ins, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        // A bf16/f16 weight is widened as it is read, an int8 one converted
        // and scaled (Contraction.h).
        Type f32 = args[0].getType();
        Value rhsElement = args[1];
        if (scales) {
          Value scale = convertScalarToDtype(nb, nl, args[2], f32,
                                             /*isUnsignedCast=*/false);
          rhsElement = nb.create<arith::SIToFPOp>(nl, f32, rhsElement);
          rhsElement = nb.create<arith::MulFOp>(nl, rhsElement, scale);
        } else if (rhsElement.getType() != f32) {
          rhsElement = nb.create<arith::ExtFOp>(nl, f32, rhsElement);
        }
        Value lhsElement = args[0];
        if (roundLhs && !scales)
          lhsElement = nb.create<arith::ExtFOp>(
              nl, f32,
              nb.create<arith::TruncFOp>(nl, nb.getBF16Type(), lhsElement)
                  .getResult());
        Value mul = nb.create<arith::MulFOp>(nl, lhsElement, rhsElement);
        Value add = nb.create<arith::AddFOp>(nl, args.back(), mul);
        nb.create<linalg::YieldOp>(nl, add);
      });
  // An int8 weight's input is quantized per block, which no body can say.
  if (roundLhs && scales)
    generic->setAttr(kQuantizeLhsAttr, b.getUnitAttr());
  return generic.getResult(0);
}

/// Batched lhs[..., m, k] x rhs[..., k, n] (or rhs[..., n, k] when
/// `transposeRhs`), accumulating into zeros of `outSizes`.
Value buildBatchedMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         bool transposeRhs, ArrayRef<OpFoldResult> outSizes) {
  unsigned rank = outSizes.size(), numLoops = rank + 1;
  unsigned m = rank - 2, n = rank - 1, k = rank;
  SmallVector<unsigned> batch = range(0, rank - 2);
  auto withBatch = [&](std::initializer_list<unsigned> tail) {
    SmallVector<unsigned> dims(batch);
    dims.append(tail);
    return selectDims(b.getContext(), numLoops, dims);
  };
  AffineMap lhsMap = withBatch({m, k});
  AffineMap rhsMap = transposeRhs ? withBatch({n, k}) : withBatch({k, n});
  return buildContraction(b, loc, lhs, lhsMap, rhs, rhsMap,
                          filledTensor(b, loc, outSizes, 0.0));
}

Value alibiSlopes(OpBuilder &b, Location loc, int64_t heads) {
  SmallVector<float> slopes;
  for (double x : visibility::alibiSlopes(heads))
    slopes.push_back(static_cast<float>(x));
  auto type = RankedTensorType::get({heads}, b.getF32Type());
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, ArrayRef<float>(slopes)));
}

/// Scores [..., q, k]: entries with k after the query's last visible key
/// (KeyVisibility.h), or before its window, become -inf. `scale`, when not
/// 1, multiplies the kept entries first; ALiBi's slope(h) * k is added then.
Value buildScaleAndCausalMask(OpBuilder &b, Location loc, Value scores,
                              double scale, bool causal,
                              AttentionVariant variant) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, scores);
  unsigned rank = sizes.size();
  Value offset;
  if (causal) {
    Value queries = getValueOrCreateConstantIndexOp(b, loc, sizes[rank - 2]);
    Value keys = getValueOrCreateConstantIndexOp(b, loc, sizes[rank - 1]);
    ArithBuilder ints(b, loc);
    offset = visibility::keyOffset(ints, queries, keys);
  }
  SmallVector<Value> inputs{scores};
  SmallVector<AffineMap> maps{
      AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
  if (variant.alibi) {
    int64_t heads = cast<RankedTensorType>(scores.getType()).getDimSize(rank - 3);
    inputs.push_back(alibiSlopes(b, loc, heads));
    maps.push_back(selectDims(b.getContext(), rank, {rank - 3}));
  }
  return buildElementwise(
      b, loc, sizes, inputs, maps,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value x = args[0];
        if (scale != 1.0)
          x = nb.create<arith::MulFOp>(nl, x, floatConstant(nb, nl, scale));
        Value j;
        if (variant.alibi) {
          j = nb.create<linalg::IndexOp>(nl, rank - 1);
          Value key = nb.create<arith::IndexCastOp>(nl, nb.getI64Type(), j);
          key = nb.create<arith::SIToFPOp>(nl, nb.getF32Type(), key);
          x = nb.create<arith::AddFOp>(
              nl, x, nb.create<arith::MulFOp>(nl, args[1], key));
        }
        if (!causal)
          return x;
        Value i = nb.create<linalg::IndexOp>(nl, rank - 2);
        if (!j)
          j = nb.create<linalg::IndexOp>(nl, rank - 1);
        ArithBuilder ints(nb, nl);
        Value limit = visibility::lastKey(ints, i, offset);
        Value hidden =
            nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::ugt, j, limit);
        if (variant.window) {
          Value first = visibility::firstKey(
              ints, limit,
              nb.create<arith::ConstantIndexOp>(nl, variant.window - 1)
                  .getResult());
          hidden = nb.create<arith::OrIOp>(
              nl, hidden,
              nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::slt, j,
                                       first));
        }
        Value negInf =
            floatConstant(nb, nl, -std::numeric_limits<double>::infinity());
        return nb.create<arith::SelectOp>(nl, hidden, negInf, x);
      });
}

/// A reduction over the last dimension of `input` into [...] with `combine`.
Value buildLastDimReduction(OpBuilder &b, Location loc, Value input,
                            double initValue, ArrayRef<Value> extraInputs,
                            ScalarBody combine) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  unsigned rank = sizes.size();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> reducedSizes(sizes.begin(), sizes.end() - 1);
  Value init = filledTensor(b, loc, reducedSizes, initValue);
  AffineMap full = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap reduced = selectDims(ctx, rank, range(0, rank - 1));
  SmallVector<Value> inputs{input};
  inputs.append(extraInputs.begin(), extraInputs.end());
  SmallVector<AffineMap> maps{full};
  maps.append(extraInputs.size(), reduced);
  maps.push_back(reduced);
  SmallVector<IteratorType> iterators(rank - 1, IteratorType::parallel);
  iterators.push_back(IteratorType::reduction);
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            nb.create<linalg::YieldOp>(nl, combine(nb, nl, args));
          })
      .getResult(0);
}

/// exp(s x - max) / sum(exp(s x - max)) over the last dimension.
Value buildSoftmax(OpBuilder &b, Location loc, Value input, double scale) {
  auto scaled = [scale](OpBuilder &nb, Location nl, Value x) -> Value {
    if (scale == 1.0)
      return x;
    return nb.create<arith::MulFOp>(nl, x, floatConstant(nb, nl, scale));
  };
  Value max = buildLastDimReduction(
      b, loc, input, -std::numeric_limits<double>::infinity(), {},
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        return nb.create<arith::MaximumFOp>(nl, scaled(nb, nl, a[0]), a[1]);
      });
  Value sum = buildLastDimReduction(
      b, loc, input, 0.0, {max},
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value shifted =
            nb.create<arith::SubFOp>(nl, scaled(nb, nl, a[0]), a[1]);
        Value e = nb.create<math::ExpOp>(nl, shifted);
        return nb.create<arith::AddFOp>(nl, a[2], e);
      });
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  unsigned rank = sizes.size();
  AffineMap reduced = selectDims(b.getContext(), rank, range(0, rank - 1));
  AffineMap full = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  return buildElementwise(
      b, loc, sizes, ValueRange{input, max, sum}, {full, reduced, reduced},
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value shifted =
            nb.create<arith::SubFOp>(nl, scaled(nb, nl, a[0]), a[1]);
        Value e = nb.create<math::ExpOp>(nl, shifted);
        return nb.create<arith::DivFOp>(nl, e, a[2]);
      });
}

Value buildPaddingMask(OpBuilder &b, Location loc, Value scores, Value mask) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, scores);
  AffineMap full = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap keyMap = selectDims(ctx, 4, {0, 3});
  return buildElementwise(
      b, loc, sizes, ValueRange{scores, mask}, {full, keyMap},
      [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value keep = a[1];
        Value dropped =
            isa<FloatType>(keep.getType())
                ? nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OEQ,
                                           keep, floatConstant(nb, nl, 0.0))
                      .getResult()
                : nb.create<arith::CmpIOp>(
                        nl, arith::CmpIPredicate::eq, keep,
                        nb.create<arith::ConstantOp>(
                            nl, nb.getIntegerAttr(keep.getType(), 0)))
                      .getResult();
        // The lowest finite float, as Hugging Face's additive mask: a row
        // of only padding averages its keys; a causal -inf stays.
        Value lowest = floatConstant(nb, nl, visibility::kPaddedScore);
        Value padded = nb.create<arith::MinimumFOp>(nl, a[0], lowest);
        return nb.create<arith::SelectOp>(nl, dropped, padded, a[0]);
      });
}

Value buildAttentionProbs(OpBuilder &b, Location loc, Value query, Value key,
                          Value mask, double scale, bool causal,
                          int64_t group, AttentionVariant variant) {
  MLIRContext *ctx = b.getContext();
  AffineExpr bi, h, i, j, d;
  bindDims(ctx, bi, h, i, j, d);
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(5, 0, exprs, ctx);
  };

  // scores[b, h, i, j] = sum_d q[b, h, i, d] * k[b, h / group, j, d]
  SmallVector<OpFoldResult> scoreSizes = tensor::getMixedSizes(b, loc, query);
  scoreSizes[3] = tensor::getMixedSize(b, loc, key, 2);
  Value scores = buildContraction(b, loc, query, map({bi, h, i, d}), key,
                                  map({bi, h.floorDiv(group), j, d}),
                                  filledTensor(b, loc, scoreSizes, 0.0));
  scores = buildScaleAndCausalMask(b, loc, scores, scale, causal, variant);
  if (mask)
    scores = buildPaddingMask(b, loc, scores, mask);
  return buildSoftmax(b, loc, scores);
}

/// Replaces `op` by `value`, casting when the op declared a less static type.
void replaceWithCast(ConversionPatternRewriter &rewriter, Operation *op,
                     Value value) {
  Type expected = op->getResult(0).getType();
  if (value.getType() != expected)
    value = rewriter.create<tensor::CastOp>(op->getLoc(), expected, value);
  rewriter.replaceOp(op, value);
}

Value extractAxisSlice(OpBuilder &b, Location loc, Value x, int64_t axis,
                       int64_t offset, int64_t size, RankedTensorType type) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[axis] = b.getIndexAttr(offset);
  sizes[axis] = b.getIndexAttr(size);
  if (type)
    return b.create<tensor::ExtractSliceOp>(loc, type, x, offsets, sizes,
                                            strides);
  return b.create<tensor::ExtractSliceOp>(loc, x, offsets, sizes, strides);
}

} // namespace attnc::lowering
