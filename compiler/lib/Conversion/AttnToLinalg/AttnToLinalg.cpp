//===- AttnToLinalg.cpp - Lower attn ops to linalg on tensors -------------===//
//
// Every pattern builds `linalg.generic` ops whose loop bounds come from the
// operands, so dynamic batch and sequence sizes need no special handling:
// `tensor.empty` takes its dynamic sizes from `tensor.dim` of an operand.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "Patterns.h"
#include "attnc/Conversion/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

namespace attnc {
#define GEN_PASS_DEF_CONVERTATTNTOLINALG
#include "attnc/Conversion/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;
using namespace attnc::lowering;
using utils::IteratorType;

namespace {

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
    AffineMap weightMap, scalesMap;
    switch (op.getWeightLayout()) {
    case attn::WeightLayout::OutIn:
      weightMap = selectDims(ctx, numLoops, {o, k});
      break;
    case attn::WeightLayout::InOut:
      weightMap = selectDims(ctx, numLoops, {k, o});
      break;
    case attn::WeightLayout::Panels: {
      // What LowerContractions reads in place (Contraction.h).
      AffineExpr out = getAffineDimExpr(o, ctx);
      int64_t width = op.getWeight().getType().getDimSize(2);
      AffineExpr in = getAffineDimExpr(k, ctx);
      weightMap = AffineMap::get(
          numLoops, 0, {out.floorDiv(width), in, out % width}, ctx);
      // int8: one scale per block of input features (Contraction.h).
      scalesMap = AffineMap::get(
          numLoops, 0,
          {out.floorDiv(width), in.floorDiv(kInt8Block), out % width}, ctx);
      break;
    }
    case attn::WeightLayout::PanelPairs:
    case attn::WeightLayout::PanelQuads:
    case attn::WeightLayout::PanelQuadsF32: {
      // Pairs (quads) of inputs side by side (Contraction.h); the input
      // rounded to bf16 (quantized to int8, or f32 in panel_quads_f32; with
      // the scales of panels).
      AffineExpr out = getAffineDimExpr(o, ctx), in = getAffineDimExpr(k, ctx);
      int64_t width = op.getWeight().getType().getDimSize(2);
      int64_t group = op.getWeight().getType().getDimSize(3);
      weightMap = AffineMap::get(
          numLoops, 0,
          {out.floorDiv(width), in.floorDiv(group), out % width, in % group},
          ctx);
      scalesMap = AffineMap::get(
          numLoops, 0,
          {out.floorDiv(width), in.floorDiv(kInt8Block), out % width}, ctx);
      break;
    }
    }
    Value scales = adaptor.getScales();
    replaceWithCast(
        rewriter, op,
        buildContraction(
            rewriter, loc, input, inputMap, adaptor.getWeight(), weightMap,
            init, scales, scales ? scalesMap : AffineMap(),
            op.getWeightLayout() == attn::WeightLayout::PanelPairs ||
                op.getWeightLayout() == attn::WeightLayout::PanelQuads));
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
                    buildIndexedRead(rewriter, loc, sizes, adaptor.getInput(),
                                     map));
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
                    buildSoftmax(rewriter, op.getLoc(), adaptor.getInput(),
                                 op.getScale().convertToDouble()));
    return success();
  }
};

struct PaddingMaskLowering : OpConversionPattern<attn::PaddingMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::PaddingMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    replaceWithCast(rewriter, op,
                    buildPaddingMask(rewriter, op.getLoc(), adaptor.getInput(),
                                     adaptor.getMask()));
    return success();
  }
};

/// out[b, h, s, d] = in[b, h floordiv n, s, d]: an indexed read.
struct RepeatKVLowering : OpConversionPattern<attn::RepeatKVOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::RepeatKVOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t times = op.getTimes();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
    sizes[1] = rewriter.getIndexAttr(op.getType().getDimSize(1));
    AffineExpr b, h, s, d;
    bindDims(rewriter.getContext(), b, h, s, d);
    AffineMap map =
        AffineMap::get(4, 0, {b, h.floorDiv(times), s, d}, rewriter.getContext());
    replaceWithCast(rewriter, op,
                    buildIndexedRead(rewriter, loc, sizes, input, map));
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
                    buildIndexedRead(rewriter, loc, sizes, input, map));
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
                    buildIndexedRead(rewriter, loc, sizes, input, map));
    return success();
  }
};

/// tensor.reshape to a shape built from the result's static sizes and the
/// input dimensions that `dims` names for its dynamic ones. Bufferization
/// makes it a view of the input (memref.reshape), copying only an input
/// that is not contiguous.
struct ReshapeLowering : OpConversionPattern<attn::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    RankedTensorType type = op.getType();
    SmallVector<Value> sizes;
    ArrayRef<int64_t> dims = op.getDims();
    size_t next = 0;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d))
        sizes.push_back(
            rewriter.create<tensor::DimOp>(loc, input, dims[next++]));
      else
        sizes.push_back(rewriter.create<arith::ConstantIndexOp>(
            loc, type.getDimSize(d)));
    }
    Value shape = rewriter.create<tensor::FromElementsOp>(loc, sizes);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, type, input, shape);
    return success();
  }
};

/// The fused op: flash attention (tiled, online softmax, no score matrix)
/// when the head dimensions are static, else the reference decomposition,
/// which materializes the scores. Query head h reads key/value head
/// h floordiv (H / G). Flash attention reads operands that come from
/// attn.split_heads, and writes a result that only attn.merge_heads uses, in
/// their [B, S, H * D] layout: the head copies disappear.
struct AttentionLowering : OpConversionPattern<attn::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    double scale = op.getScale().convertToDouble();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    if (!qType.isDynamicDim(1) && !kType.isDynamicDim(1) &&
        !qType.isDynamicDim(3) && !kType.isDynamicDim(3) &&
        !vType.isDynamicDim(3)) {
      int64_t heads = qType.getDimSize(1), kvHeads = kType.getDimSize(1);
      auto layout = [&](Value original, Value converted, int64_t count) {
        if (auto split = original.getDefiningOp<attn::SplitHeadsOp>())
          return HeadLayout{rewriter.getRemappedValue(split.getInput()), true,
                            count};
        return HeadLayout{converted, false, count};
      };
      attn::MergeHeadsOp merge;
      if (op->hasOneUse())
        merge = dyn_cast<attn::MergeHeadsOp>(*op->getUsers().begin());
      AttentionOperands operands{layout(op.getQuery(), q, heads),
                                 layout(op.getKey(), k, kvHeads),
                                 layout(op.getValue(), v, kvHeads),
                                 adaptor.getMask(),
                                 heads,
                                 heads / kvHeads,
                                 qType.getDimSize(3),
                                 vType.getDimSize(3),
                                 scale,
                                 op.getCausal(),
                                 AttentionVariant::of(op),
                                 static_cast<bool>(merge)};
      Value result = buildFlashAttention(rewriter, loc, operands);
      if (merge) {
        replaceWithCast(rewriter, merge, result);
        rewriter.eraseOp(op);
      } else {
        replaceWithCast(rewriter, op, result);
      }
      return success();
    }
    int64_t group = op.getQuery().getType().getDimSize(1) /
                    op.getKey().getType().getDimSize(1);
    AffineExpr b, h, i, j, d;
    bindDims(ctx, b, h, i, j, d);
    auto map = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(5, 0, exprs, ctx);
    };

    Value probs = buildAttentionProbs(
        rewriter, loc, q, adaptor.getKey(), adaptor.getMask(),
        op.getScale().convertToDouble(), op.getCausal(), group,
        AttentionVariant::of(op));

    // out[b, h, i, d] = sum_j p[b, h, i, j] * v[b, h / group, j, d]; the
    // loops are (b, h, i, d, j) here.
    SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(rewriter, loc, q);
    outSizes[3] = tensor::getMixedSize(rewriter, loc, v, 3);
    AffineExpr dOut = j, jRed = d;
    replaceWithCast(rewriter, op,
                    buildContraction(rewriter, loc, probs,
                                     map({b, h, i, jRed}), v,
                                     map({b, h.floorDiv(group), jRed, dOut}),
                                     filledTensor(rewriter, loc, outSizes,
                                                  0.0)));
    return success();
  }
};

struct ConvertAttnToLinalgPass
    : attnc::impl::ConvertAttnToLinalgBase<ConvertAttnToLinalgPass> {
  void runOnOperation() override {
    // Every op lowered from an attn op keeps its name in its location, which
    // labels the kernels of the profile (attnc-profile-regions).
    getOperation()->walk([](Operation *op) {
      if (isa<attn::AttnDialect>(op->getDialect()))
        op->setLoc(NameLoc::get(op->getName().getIdentifier(), op->getLoc()));
    });
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<attn::AttnDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, memref::MemRefDialect,
                           scf::SCFDialect, tensor::TensorDialect,
                           vector::VectorDialect, func::FuncDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<LinearLowering, MatmulLowering, TransposeLowering,
                 ScaleLowering, CausalMaskLowering, SoftmaxLowering,
                 PaddingMaskLowering, RepeatKVLowering,
                 SplitHeadsLowering, MergeHeadsLowering, ReshapeLowering,
                 AttentionLowering,
                 ElementwiseLowering<attn::AddOp, arith::AddFOp>,
                 ElementwiseLowering<attn::SubOp, arith::SubFOp>,
                 ElementwiseLowering<attn::MulOp, arith::MulFOp>,
                 ElementwiseLowering<attn::DivOp, arith::DivFOp>>(ctx);
    populateAttnModelOpLoweringPatterns(patterns);
    populateAttnImageOpLoweringPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
