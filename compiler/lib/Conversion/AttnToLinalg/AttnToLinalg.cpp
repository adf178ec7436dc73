//===- AttnToLinalg.cpp - Lower attn ops to linalg on tensors -------------===//
//
// Every pattern builds `linalg.generic` ops whose loop bounds come from the
// operands, so dynamic batch and sequence sizes need no special handling:
// `tensor.empty` takes its dynamic sizes from `tensor.dim` of an operand.
//
//===----------------------------------------------------------------------===//
#include "attnc/Conversion/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

namespace attnc {
#define GEN_PASS_DEF_CONVERTATTNTOLINALG
#include "attnc/Conversion/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;
using utils::IteratorType;

namespace {

//===----------------------------------------------------------------------===//
// Building blocks shared by the patterns
//===----------------------------------------------------------------------===//

/// A `tensor.empty` of `sizes` (static sizes as attributes, dynamic as values).
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  return b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
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
Value buildElementwise(
    OpBuilder &b, Location loc, ArrayRef<OpFoldResult> resultSizes,
    ValueRange inputs, ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = resultSizes.size();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineMap> maps(inputMaps);
  while (maps.size() < inputs.size())
    maps.push_back(identity);
  maps.push_back(identity);
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  Value init = emptyTensor(b, loc, resultSizes);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        nb.create<linalg::YieldOp>(nl, body(nb, nl, args.drop_back()));
      });
  return generic.getResult(0);
}

/// out[batch..., m, n] (+)= sum_k lhs[...] * rhs[...] where the caller gives
/// the maps of lhs and rhs over loops (batch..., m, n, k). `init` holds the
/// accumulator's initial value (zeros, or a broadcast bias).
Value buildContraction(OpBuilder &b, Location loc, Value lhs, AffineMap lhsMap,
                       Value rhs, AffineMap rhsMap, Value init) {
  unsigned outRank = cast<RankedTensorType>(init.getType()).getRank();
  unsigned numLoops = outRank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<IteratorType> iterators(outRank, IteratorType::parallel);
  iterators.push_back(IteratorType::reduction);
  AffineMap outMap = selectDims(ctx, numLoops, range(0, outRank));
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, ValueRange{lhs, rhs}, ValueRange{init},
      ArrayRef<AffineMap>{lhsMap, rhsMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value mul = nb.create<arith::MulFOp>(nl, args[0], args[1]);
        Value add = nb.create<arith::AddFOp>(nl, args[2], mul);
        nb.create<linalg::YieldOp>(nl, add);
      });
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

/// Scores [..., q, k]: entries with k > q + (keys - queries) become -inf.
/// `scale`, when not 1, multiplies the kept entries first.
Value buildScaleAndCausalMask(OpBuilder &b, Location loc, Value scores,
                              double scale, bool causal) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, scores);
  unsigned rank = sizes.size();
  Value offset;
  if (causal) {
    Value queries = getValueOrCreateConstantIndexOp(b, loc, sizes[rank - 2]);
    Value keys = getValueOrCreateConstantIndexOp(b, loc, sizes[rank - 1]);
    offset = b.create<arith::SubIOp>(loc, keys, queries);
  }
  return buildElementwise(
      b, loc, sizes, scores, {},
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value x = args[0];
        if (scale != 1.0)
          x = nb.create<arith::MulFOp>(nl, x, floatConstant(nb, nl, scale));
        if (!causal)
          return x;
        Value i = nb.create<linalg::IndexOp>(nl, rank - 2);
        Value j = nb.create<linalg::IndexOp>(nl, rank - 1);
        Value limit = nb.create<arith::AddIOp>(nl, i, offset);
        Value future =
            nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::ugt, j, limit);
        Value negInf =
            floatConstant(nb, nl, -std::numeric_limits<double>::infinity());
        return nb.create<arith::SelectOp>(nl, future, negInf, x);
      });
}

/// A reduction over the last dimension of `input` into [...] with `combine`.
Value buildLastDimReduction(
    OpBuilder &b, Location loc, Value input, double initValue,
    ArrayRef<Value> extraInputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> combine) {
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

/// exp(x - max) / sum(exp(x - max)) over the last dimension.
Value buildSoftmax(OpBuilder &b, Location loc, Value input) {
  Value max = buildLastDimReduction(
      b, loc, input, -std::numeric_limits<double>::infinity(), {},
      [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        return nb.create<arith::MaximumFOp>(nl, a[0], a[1]);
      });
  Value sum = buildLastDimReduction(
      b, loc, input, 0.0, {max},
      [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value shifted = nb.create<arith::SubFOp>(nl, a[0], a[1]);
        Value e = nb.create<math::ExpOp>(nl, shifted);
        return nb.create<arith::AddFOp>(nl, a[2], e);
      });
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  unsigned rank = sizes.size();
  AffineMap reduced = selectDims(b.getContext(), rank, range(0, rank - 1));
  AffineMap full = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  return buildElementwise(
      b, loc, sizes, ValueRange{input, max, sum}, {full, reduced, reduced},
      [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value shifted = nb.create<arith::SubFOp>(nl, a[0], a[1]);
        Value e = nb.create<math::ExpOp>(nl, shifted);
        return nb.create<arith::DivFOp>(nl, e, a[2]);
      });
}

/// Replaces `op` by `value`, casting when the op declared a less static type.
void replaceWithCast(ConversionPatternRewriter &rewriter, Operation *op,
                     Value value) {
  Type expected = op->getResult(0).getType();
  if (value.getType() != expected)
    value = rewriter.create<tensor::CastOp>(op->getLoc(), expected, value);
  rewriter.replaceOp(op, value);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct LinearLowering : OpConversionPattern<attn::LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, input);
    unsigned rank = sizes.size(), numLoops = rank + 1;
    unsigned o = rank - 1, k = rank;
    sizes.back() = rewriter.getIndexAttr(op.getOutFeatures());

    Value init;
    if (Value bias = adaptor.getBias()) {
      AffineMap biasMap = selectDims(ctx, rank, {o});
      init = buildElementwise(rewriter, loc, sizes, bias, {biasMap},
                              [](OpBuilder &, Location, ValueRange a) {
                                return a[0];
                              });
    } else {
      init = filledTensor(rewriter, loc, sizes, 0.0);
    }
    SmallVector<unsigned> inputDims = range(0, rank - 1);
    inputDims.push_back(k);
    AffineMap inputMap = selectDims(ctx, numLoops, inputDims);
    AffineMap weightMap =
        op.getWeightLayout() == attn::WeightLayout::OutIn
            ? selectDims(ctx, numLoops, {o, k})
            : selectDims(ctx, numLoops, {k, o});
    replaceWithCast(rewriter, op,
                    buildContraction(rewriter, loc, input, inputMap,
                                     adaptor.getWeight(), weightMap, init));
    return success();
  }
};

struct MatmulLowering : OpConversionPattern<attn::MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getLhs());
    sizes.back() = tensor::getMixedSize(rewriter, loc, adaptor.getRhs(),
                                        sizes.size() - 1);
    replaceWithCast(rewriter, op,
                    buildBatchedMatmul(rewriter, loc, adaptor.getLhs(),
                                       adaptor.getRhs(), false, sizes));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<attn::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getInput());
    unsigned rank = sizes.size();
    std::swap(sizes[rank - 1], sizes[rank - 2]);
    SmallVector<unsigned> perm = range(0, rank);
    std::swap(perm[rank - 1], perm[rank - 2]);
    AffineMap map = selectDims(rewriter.getContext(), rank, perm);
    replaceWithCast(rewriter, op,
                    buildElementwise(rewriter, loc, sizes, adaptor.getInput(),
                                     {map},
                                     [](OpBuilder &, Location, ValueRange a) {
                                       return a[0];
                                     }));
    return success();
  }
};

/// Elementwise ops map to one scalar arith op on every element.
template <typename SourceOp, typename ScalarOp>
struct ElementwiseLowering : OpConversionPattern<SourceOp> {
  using OpConversionPattern<SourceOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SourceOp op, typename SourceOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getLhs());
    replaceWithCast(
        rewriter, op,
        buildElementwise(rewriter, loc, sizes,
                         ValueRange{adaptor.getLhs(), adaptor.getRhs()}, {},
                         [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                           return nb.create<ScalarOp>(nl, a[0], a[1]);
                         }));
    return success();
  }
};

struct ScaleLowering : OpConversionPattern<attn::ScaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::ScaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double factor = op.getFactor().convertToDouble();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getInput());
    replaceWithCast(
        rewriter, op,
        buildElementwise(rewriter, loc, sizes, adaptor.getInput(), {},
                         [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                           return nb.create<arith::MulFOp>(
                               nl, a[0], floatConstant(nb, nl, factor));
                         }));
    return success();
  }
};

struct CausalMaskLowering : OpConversionPattern<attn::CausalMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::CausalMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    replaceWithCast(rewriter, op,
                    buildScaleAndCausalMask(rewriter, op.getLoc(),
                                            adaptor.getInput(), 1.0, true));
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<attn::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    replaceWithCast(rewriter, op,
                    buildSoftmax(rewriter, op.getLoc(), adaptor.getInput()));
    return success();
  }
};

/// out[b, h, s, d] = in[b, s, h * D + d]: an indexed read, not a reshape
/// followed by a transpose copy.
struct SplitHeadsLowering : OpConversionPattern<attn::SplitHeadsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::SplitHeadsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    int64_t heads = op.getHeads();
    int64_t headDim = op.getType().getDimSize(3);
    SmallVector<OpFoldResult> in = tensor::getMixedSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> sizes{in[0], rewriter.getIndexAttr(heads), in[1],
                                    rewriter.getIndexAttr(headDim)};
    AffineExpr b, h, s, d;
    bindDims(ctx, b, h, s, d);
    AffineMap map = AffineMap::get(4, 0, {b, s, h * headDim + d}, ctx);
    replaceWithCast(rewriter, op,
                    buildElementwise(rewriter, loc, sizes, input, {map},
                                     [](OpBuilder &, Location, ValueRange a) {
                                       return a[0];
                                     }));
    return success();
  }
};

/// out[b, s, e] = in[b, e floordiv D, s, e mod D].
struct MergeHeadsLowering : OpConversionPattern<attn::MergeHeadsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::MergeHeadsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    int64_t heads = inType.getDimSize(1), headDim = inType.getDimSize(3);
    SmallVector<OpFoldResult> in = tensor::getMixedSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> sizes{in[0], in[2],
                                    rewriter.getIndexAttr(heads * headDim)};
    AffineExpr b, s, e;
    bindDims(ctx, b, s, e);
    AffineMap map =
        AffineMap::get(3, 0, {b, e.floorDiv(headDim), s, e % headDim}, ctx);
    replaceWithCast(rewriter, op,
                    buildElementwise(rewriter, loc, sizes, input, {map},
                                     [](OpBuilder &, Location, ValueRange a) {
                                       return a[0];
                                     }));
    return success();
  }
};

/// The reference decomposition of the fused op: it materializes the scores.
struct AttentionLowering : OpConversionPattern<attn::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    SmallVector<OpFoldResult> scoreSizes =
        tensor::getMixedSizes(rewriter, loc, q);
    scoreSizes[3] = tensor::getMixedSize(rewriter, loc, k, 2);
    Value scores = buildBatchedMatmul(rewriter, loc, q, k,
                                      /*transposeRhs=*/true, scoreSizes);
    Value masked = buildScaleAndCausalMask(
        rewriter, loc, scores, op.getScale().convertToDouble(), op.getCausal());
    Value probs = buildSoftmax(rewriter, loc, masked);
    SmallVector<OpFoldResult> outSizes =
        tensor::getMixedSizes(rewriter, loc, q);
    outSizes[3] = tensor::getMixedSize(rewriter, loc, v, 3);
    replaceWithCast(rewriter, op,
                    buildBatchedMatmul(rewriter, loc, probs, v, false,
                                       outSizes));
    return success();
  }
};

struct ConvertAttnToLinalgPass
    : attnc::impl::ConvertAttnToLinalgBase<ConvertAttnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<attn::AttnDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           func::FuncDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<LinearLowering, MatmulLowering, TransposeLowering,
                 ScaleLowering, CausalMaskLowering, SoftmaxLowering,
                 SplitHeadsLowering, MergeHeadsLowering, AttentionLowering,
                 ElementwiseLowering<attn::AddOp, arith::AddFOp>,
                 ElementwiseLowering<attn::SubOp, arith::SubFOp>,
                 ElementwiseLowering<attn::MulOp, arith::MulFOp>,
                 ElementwiseLowering<attn::DivOp, arith::DivFOp>>(ctx);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
