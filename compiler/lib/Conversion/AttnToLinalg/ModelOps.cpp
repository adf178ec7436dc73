//===- ModelOps.cpp - Lower normalization, activation, embedding ops ------===//
//
// The ops whole transformers add around attention (and the attention
// probabilities debug builds return). Each becomes one or a few
// linalg.generic ops built with the shared builders; numerics follow what
// PyTorch / transformers compute in f32 (two-pass layernorm variance, f32
// rotary frequencies), so that reference checks hold tightly.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "Patterns.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace attnc;
using namespace attnc::lowering;

namespace {

/// Maps selecting, over `rank` loops, the leading `rank - 1` loops (a
/// per-row value) and the last loop (a per-feature value).
AffineMap rowMap(MLIRContext *ctx, unsigned rank) {
  return selectDims(ctx, rank, range(0, rank - 1));
}
AffineMap featureMap(MLIRContext *ctx, unsigned rank) {
  return selectDims(ctx, rank, {rank - 1});
}

/// 1 / sqrt(x) (math.rsqrt has no LLVM lowering for scalars in MLIR 19).
Value reciprocalSqrt(OpBuilder &b, Location l, Value x) {
  return b.create<arith::DivFOp>(l, floatConstant(b, l, 1.0),
                                 b.create<math::SqrtOp>(l, x));
}

/// A 1-D f32 constant tensor.
Value constantVector(OpBuilder &b, Location loc, ArrayRef<float> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getF32Type());
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, values));
}

struct LayerNormLowering : OpConversionPattern<attn::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    unsigned rank = sizes.size();
    Value n = floatConstant(rewriter, loc,
                            static_cast<double>(op.getType().getShape().back()));
    Value sum = buildLastDimReduction(
        rewriter, loc, x, 0.0, {},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return b.create<arith::AddFOp>(l, a[1], a[0]);
        });
    // Variance from the centered values, as PyTorch computes it.
    Value sqSum = buildLastDimReduction(
        rewriter, loc, x, 0.0, {sum},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value mean = b.create<arith::DivFOp>(l, a[1], n);
          Value d = b.create<arith::SubFOp>(l, a[0], mean);
          Value d2 = b.create<arith::MulFOp>(l, d, d);
          return b.create<arith::AddFOp>(l, a[2], d2);
        });
    MLIRContext *ctx = rewriter.getContext();
    AffineMap full = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value eps = floatConstant(rewriter, loc,
                              op.getEpsilon().convertToDouble());
    replaceWithCast(
        rewriter, op,
        buildElementwise(
            rewriter, loc, sizes,
            ValueRange{x, sum, sqSum, adaptor.getWeight(), adaptor.getBias()},
            {full, rowMap(ctx, rank), rowMap(ctx, rank),
             featureMap(ctx, rank), featureMap(ctx, rank)},
            [&](OpBuilder &b, Location l, ValueRange a) -> Value {
              Value mean = b.create<arith::DivFOp>(l, a[1], n);
              Value var = b.create<arith::DivFOp>(l, a[2], n);
              Value inv =
                  reciprocalSqrt(b, l, b.create<arith::AddFOp>(l, var, eps));
              Value centered = b.create<arith::SubFOp>(l, a[0], mean);
              Value normed = b.create<arith::MulFOp>(l, centered, inv);
              Value scaled = b.create<arith::MulFOp>(l, normed, a[3]);
              return b.create<arith::AddFOp>(l, scaled, a[4]);
            }));
    return success();
  }
};

struct RMSNormLowering : OpConversionPattern<attn::RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    unsigned rank = sizes.size();
    Value n = floatConstant(rewriter, loc,
                            static_cast<double>(op.getType().getShape().back()));
    Value sqSum = buildLastDimReduction(
        rewriter, loc, x, 0.0, {},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value x2 = b.create<arith::MulFOp>(l, a[0], a[0]);
          return b.create<arith::AddFOp>(l, a[1], x2);
        });
    MLIRContext *ctx = rewriter.getContext();
    AffineMap full = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value eps = floatConstant(rewriter, loc,
                              op.getEpsilon().convertToDouble());
    replaceWithCast(
        rewriter, op,
        buildElementwise(
            rewriter, loc, sizes, ValueRange{x, sqSum, adaptor.getWeight()},
            {full, rowMap(ctx, rank), featureMap(ctx, rank)},
            [&](OpBuilder &b, Location l, ValueRange a) -> Value {
              Value meanSq = b.create<arith::DivFOp>(l, a[1], n);
              Value inv = reciprocalSqrt(
                  b, l, b.create<arith::AddFOp>(l, meanSq, eps));
              Value normed = b.create<arith::MulFOp>(l, a[0], inv);
              return b.create<arith::MulFOp>(l, a[2], normed);
            }));
    return success();
  }
};

/// Scalar formulas of the activation ops.
Value gelu(OpBuilder &b, Location l, Value x) {
  Value half = floatConstant(b, l, 0.5), one = floatConstant(b, l, 1.0);
  Value scaled = b.create<arith::MulFOp>(l, x, floatConstant(b, l, M_SQRT1_2));
  Value erf = b.create<math::ErfOp>(l, scaled);
  Value t = b.create<arith::AddFOp>(l, one, erf);
  return b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, half, x), t);
}
Value geluTanh(OpBuilder &b, Location l, Value x) {
  Value half = floatConstant(b, l, 0.5), one = floatConstant(b, l, 1.0);
  Value x3 = b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, x, x), x);
  Value inner = b.create<arith::AddFOp>(
      l, x, b.create<arith::MulFOp>(l, floatConstant(b, l, 0.044715), x3));
  Value arg = b.create<arith::MulFOp>(
      l, floatConstant(b, l, std::sqrt(2.0 / M_PI)), inner);
  Value t = b.create<arith::AddFOp>(l, one, b.create<math::TanhOp>(l, arg));
  return b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, half, x), t);
}
Value geluQuick(OpBuilder &b, Location l, Value x) {
  Value one = floatConstant(b, l, 1.0);
  Value scaled = b.create<arith::MulFOp>(l, x, floatConstant(b, l, -1.702));
  Value e = b.create<math::ExpOp>(l, scaled);
  return b.create<arith::DivFOp>(l, x, b.create<arith::AddFOp>(l, one, e));
}
Value silu(OpBuilder &b, Location l, Value x) {
  Value one = floatConstant(b, l, 1.0);
  Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, x));
  return b.create<arith::DivFOp>(l, x, b.create<arith::AddFOp>(l, one, e));
}
Value relu(OpBuilder &b, Location l, Value x) {
  return b.create<arith::MaximumFOp>(l, x, floatConstant(b, l, 0.0));
}
Value hyperbolicTangent(OpBuilder &b, Location l, Value x) {
  return b.create<math::TanhOp>(l, x);
}
Value exponential(OpBuilder &b, Location l, Value x) {
  return b.create<math::ExpOp>(l, x);
}
Value sigmoid(OpBuilder &b, Location l, Value x) {
  Value one = floatConstant(b, l, 1.0);
  Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, x));
  return b.create<arith::DivFOp>(l, one, b.create<arith::AddFOp>(l, one, e));
}

template <typename OpTy, Value (*Formula)(OpBuilder &, Location, Value)>
struct ActivationLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    replaceWithCast(rewriter, op,
                    buildElementwise(rewriter, loc,
                                     tensor::getMixedSizes(rewriter, loc, x), x,
                                     {},
                                     [](OpBuilder &b, Location l, ValueRange a) {
                                       return Formula(b, l, a[0]);
                                     }));
    return success();
  }
};

/// out[ids..., e] = table[clamp(id, 0, V - 1), e]: a gather whose index can
/// never leave the table, whatever the input holds (widened to f32). An i8
/// table is int8 panels [ceil(V / W), E, W] read as q * scale
/// (docs/abi.md "int8 weights"), row id being lane id % W of panel id / W;
/// or the quads of a tied int8 x int8 projection, [ceil(V / W), ceil(E / 4),
/// W, 4], feature e at [e / 4, lane, e % 4].
struct EmbeddingLowering : OpConversionPattern<attn::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value table = adaptor.getTable(), ids = adaptor.getIds();
    Value scales = adaptor.getScales();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, ids);
    // A table in quads holds ceil(E / 4) rows of 4 features: E is the op's.
    if (cast<RankedTensorType>(table.getType()).getRank() == 4)
      sizes.push_back(rewriter.getIndexAttr(op.getType().getShape().back()));
    else
      sizes.push_back(tensor::getMixedSize(rewriter, loc, table, 1));
    unsigned rank = sizes.size();
    Value rows = scales ? Value(rewriter.create<arith::ConstantIndexOp>(
                              loc, op.getRowCount()))
                        : Value(rewriter.create<tensor::DimOp>(loc, table, 0));
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value last = rewriter.create<arith::SubIOp>(loc, rows, one);
    AffineMap idsMap = rowMap(rewriter.getContext(), rank);
    replaceWithCast(
        rewriter, op,
        buildElementwise(
            rewriter, loc, sizes, ids, {idsMap},
            [&](OpBuilder &b, Location l, ValueRange a) -> Value {
              Value id = b.create<arith::IndexCastOp>(l, b.getIndexType(), a[0]);
              id = b.create<arith::MaxSIOp>(l, id, zero);
              id = b.create<arith::MinSIOp>(l, id, last);
              Value feature = b.create<linalg::IndexOp>(l, rank - 1);
              if (scales)
                return int8PanelElement(b, l, table, scales, id, feature);
              Value x = b.create<tensor::ExtractOp>(l, table,
                                                    ValueRange{id, feature});
              if (!x.getType().isF32()) // a bf16/f16 table
                x = b.create<arith::ExtFOp>(l, b.getF32Type(), x);
              return x;
            }));
    return success();
  }

  /// Element `feature` of row `id` of int8 panels and their scales.
  static Value int8PanelElement(OpBuilder &b, Location l, Value panels,
                                Value scales, Value id, Value feature) {
    auto index = [&](int64_t v) {
      return b.create<arith::ConstantIndexOp>(l, v).getResult();
    };
    auto type = cast<RankedTensorType>(panels.getType());
    Value width = index(type.getDimSize(2));
    Value panel = b.create<arith::DivUIOp>(l, id, width);
    Value lane = b.create<arith::RemUIOp>(l, id, width);
    Value block = b.create<arith::DivUIOp>(l, feature, index(kInt8Block));
    SmallVector<Value> at{panel, feature, lane};
    if (type.getRank() == 4) {
      Value quad = index(type.getDimSize(3));
      at = {panel, b.create<arith::DivUIOp>(l, feature, quad), lane,
            b.create<arith::RemUIOp>(l, feature, quad)};
    }
    Value q = b.create<tensor::ExtractOp>(l, panels, at);
    Value scale = convertScalarToDtype(
        b, l,
        b.create<tensor::ExtractOp>(l, scales, ValueRange{panel, block, lane}),
        b.getF32Type(), /*isUnsignedCast=*/false);
    Value x = b.create<arith::SIToFPOp>(l, b.getF32Type(), q);
    return b.create<arith::MulFOp>(l, x, scale);
  }
};

struct PositionsLowering : OpConversionPattern<attn::PositionsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::PositionsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value offset = adaptor.getOffset();
    replaceWithCast(
        rewriter, op,
        buildElementwise(
            rewriter, loc,
            tensor::getMixedSizes(rewriter, loc, adaptor.getIds()), {}, {},
            [&](OpBuilder &b, Location l, ValueRange) -> Value {
              Value s = b.create<linalg::IndexOp>(l, 1);
              if (offset)
                s = b.create<arith::AddIOp>(l, s, offset);
              return b.create<arith::IndexCastOp>(l, b.getI64Type(), s);
            },
            rewriter.getI64Type()));
    return success();
  }
};

/// out[b, s, n] = sin(p * f_n) for even n, cos(p * f_n) for odd n, with
/// f_n = exp(-(n - n mod 2) ln(10000) / N), computed in f32 like PyTorch.
struct SinusoidalLowering : OpConversionPattern<attn::SinusoidalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::SinusoidalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value pos = adaptor.getPositions();
    int64_t features = op.getType().getDimSize(2);
    SmallVector<float> freq;
    float step = -std::log(10000.0f) / static_cast<float>(features);
    for (int64_t n = 0; n < features; ++n)
      freq.push_back(std::exp(static_cast<float>(n - n % 2) * step));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, pos);
    sizes.push_back(rewriter.getIndexAttr(features));
    Value table = constantVector(rewriter, loc, freq);
    Value two = rewriter.create<arith::ConstantIndexOp>(loc, 2);
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    replaceWithCast(
        rewriter, op,
        buildElementwise(
            rewriter, loc, sizes, ValueRange{pos, table},
            {selectDims(ctx, 3, {0, 1}), selectDims(ctx, 3, {2})},
            [&](OpBuilder &b, Location l, ValueRange a) -> Value {
              Value p = b.create<arith::SIToFPOp>(l, b.getF32Type(), a[0]);
              Value angle = b.create<arith::MulFOp>(l, p, a[1]);
              Value n = b.create<linalg::IndexOp>(l, 2);
              Value odd = b.create<arith::CmpIOp>(
                  l, arith::CmpIPredicate::ne,
                  b.create<arith::RemUIOp>(l, n, two), zero);
              return b.create<arith::SelectOp>(
                  l, odd, b.create<math::CosOp>(l, angle),
                  b.create<math::SinOp>(l, angle));
            }));
    return success();
  }
};

/// out = x * cos(a) + rotate_half(x) * sin(a), reading the partner element
/// (d + D/2) mod D through the index map instead of materializing
/// rotate_half(x). An x from attn.split_heads is read in its [B, S, H * D]
/// layout, x[b, h, s, d] = in[b, s, h * D + d]: the head copy disappears.
struct RopeLowering : OpConversionPattern<attn::RopeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), pos = adaptor.getPositions();
    int64_t headDim = op.getType().getDimSize(3), half = headDim / 2;
    float theta = static_cast<float>(op.getTheta().convertToDouble());
    SmallVector<float> invFreq;
    for (int64_t j = 0; j < half; ++j)
      invFreq.push_back(
          1.0f / std::pow(theta, static_cast<float>(2 * j) /
                                     static_cast<float>(headDim)));
    Value table = constantVector(rewriter, loc, invFreq);
    AffineExpr b0, h, s, d;
    bindDims(ctx, b0, h, s, d);
    AffineMap full = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap partner =
        AffineMap::get(4, 0, {b0, h, s, (d + half) % headDim}, ctx);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    if (auto split = op.getInput().getDefiningOp<attn::SplitHeadsOp>()) {
      x = rewriter.getRemappedValue(split.getInput());
      SmallVector<OpFoldResult> in = tensor::getMixedSizes(rewriter, loc, x);
      sizes = {in[0], rewriter.getIndexAttr(split.getHeads()), in[1],
               rewriter.getIndexAttr(headDim)};
      full = AffineMap::get(4, 0, {b0, s, h * headDim + d}, ctx);
      partner = AffineMap::get(
          4, 0, {b0, s, h * headDim + (d + half) % headDim}, ctx);
    }
    AffineMap posMap = AffineMap::get(4, 0, {b0, s}, ctx);
    AffineMap freqMap = AffineMap::get(4, 0, {d % half}, ctx);
    Value halfIndex = rewriter.create<arith::ConstantIndexOp>(loc, half);
    replaceWithCast(
        rewriter, op,
        buildElementwise(
            rewriter, loc, sizes, ValueRange{x, x, pos, table},
            {full, partner, posMap, freqMap},
            [&](OpBuilder &b, Location l, ValueRange a) -> Value {
              Value p = b.create<arith::SIToFPOp>(l, b.getF32Type(), a[2]);
              Value angle = b.create<arith::MulFOp>(l, p, a[3]);
              Value c = b.create<math::CosOp>(l, angle);
              Value sn = b.create<math::SinOp>(l, angle);
              Value dIndex = b.create<linalg::IndexOp>(l, 3);
              Value firstHalf = b.create<arith::CmpIOp>(
                  l, arith::CmpIPredicate::ult, dIndex, halfIndex);
              Value rotated = b.create<arith::SelectOp>(
                  l, firstHalf, b.create<arith::NegFOp>(l, a[1]), a[1]);
              return b.create<arith::AddFOp>(
                  l, b.create<arith::MulFOp>(l, a[0], c),
                  b.create<arith::MulFOp>(l, rotated, sn));
            }));
    return success();
  }
};

/// A view of the input, not a copy: tensor.extract_slice bufferizes to a
/// subview. (An index map `j + offset` would not do: at offset 0 it is the
/// identity, and linalg would take the loop bound from the wider input.)
struct SliceLowering : OpConversionPattern<attn::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    int64_t lastAxis = cast<RankedTensorType>(x.getType()).getRank() - 1;
    replaceWithCast(rewriter, op,
                    extractAxisSlice(rewriter, op.getLoc(), x, lastAxis,
                                     op.getOffset(), op.getSize()));
    return success();
  }
};

/// What the debug build returns: the weights attn.attention computes, with
/// the same builder.
struct AttentionProbsLowering : OpConversionPattern<attn::AttentionProbsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::AttentionProbsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t group = op.getQuery().getType().getDimSize(1) /
                    op.getKey().getType().getDimSize(1);
    replaceWithCast(rewriter, op,
                    buildAttentionProbs(rewriter, op.getLoc(),
                                        adaptor.getQuery(), adaptor.getKey(),
                                        adaptor.getMask(),
                                        op.getScale().convertToDouble(),
                                        op.getCausal(), group,
                                        AttentionVariant::of(op)));
    return success();
  }
};

} // namespace

void attnc::populateAttnModelOpLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LayerNormLowering, RMSNormLowering, EmbeddingLowering,
               PositionsLowering, SinusoidalLowering, RopeLowering,
               SliceLowering, AttentionProbsLowering,
               ActivationLowering<attn::GeluOp, gelu>,
               ActivationLowering<attn::GeluTanhOp, geluTanh>,
               ActivationLowering<attn::GeluQuickOp, geluQuick>,
               ActivationLowering<attn::SiluOp, silu>,
               ActivationLowering<attn::ReluOp, relu>,
               ActivationLowering<attn::TanhOp, hyperbolicTangent>,
               ActivationLowering<attn::ExpOp, exponential>,
               ActivationLowering<attn::SigmoidOp, sigmoid>>(
      patterns.getContext());
}
