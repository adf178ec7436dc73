//===- ImageOps.cpp - Lower patches, concat, select, permute, expand, ... -===//
//
// The layout ops an image model needs, and sum/mean/max over the last
// dimension. Each is an index map read
// (buildIndexedRead) or a slice, so linalg's elementwise fusion folds it into
// its consumer: the patches of a ViT feed its patch projection's matrix
// product directly.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "Patterns.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace attnc;
using namespace attnc::lowering;

namespace {

/// `x` broadcast to `sizes` (x's rank at most theirs, aligned at the last
/// dimension): where x has size 1 and the target does not, index 0 is read.
Value broadcastTo(OpBuilder &b, Location loc, Value x,
                  ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = sizes.size(), lead = rank - type.getRank();
  SmallVector<AffineExpr> exprs;
  bool identity = lead == 0;
  for (unsigned i = 0; i < type.getRank(); ++i) {
    std::optional<int64_t> target = getConstantIntValue(sizes[lead + i]);
    if (type.getDimSize(i) == 1 && target != 1) {
      exprs.push_back(b.getAffineConstantExpr(0));
      identity = false;
    } else {
      exprs.push_back(b.getAffineDimExpr(lead + i));
    }
  }
  if (identity)
    return x;
  return buildIndexedRead(b, loc, sizes, x,
                          AffineMap::get(rank, 0, exprs, b.getContext()));
}

/// The size of dimension `i` (aligned at the last dimension) of the
/// broadcast of `a` and `b`: the one that is not 1.
OpFoldResult broadcastSize(OpBuilder &builder, Location loc, Value a, Value b,
                           unsigned rank, unsigned i) {
  for (Value v : {a, b}) {
    auto t = cast<RankedTensorType>(v.getType());
    int64_t j = static_cast<int64_t>(i) - (rank - t.getRank());
    if (j >= 0 && t.getDimSize(j) != 1)
      return tensor::getMixedSize(builder, loc, v, j);
  }
  return builder.getIndexAttr(1);
}

struct ExpandLowering : OpConversionPattern<attn::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    unsigned rank = op.getType().getRank();
    SmallVector<OpFoldResult> sizes;
    for (unsigned i = 0; i < rank; ++i)
      sizes.push_back(broadcastSize(rewriter, loc, adaptor.getInput(),
                                    adaptor.getLike(), rank, i));
    replaceWithCast(rewriter, op,
                    broadcastTo(rewriter, loc, adaptor.getInput(), sizes));
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<attn::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    unsigned rank = op.getType().getRank(), axis = op.getAxis();
    SmallVector<OpFoldResult> sizes;
    for (unsigned i = 0; i < rank; ++i)
      sizes.push_back(i == axis ? rewriter.getIndexAttr(
                                      op.getType().getDimSize(axis))
                                : broadcastSize(rewriter, loc, lhs, rhs, rank, i));
    Value result = emptyTensor(rewriter, loc, sizes);
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    for (Value part : {lhs, rhs}) {
      int64_t width = cast<RankedTensorType>(part.getType()).getDimSize(axis);
      SmallVector<OpFoldResult> partSizes(sizes);
      partSizes[axis] = rewriter.getIndexAttr(width);
      result = rewriter.create<tensor::InsertSliceOp>(
          loc, broadcastTo(rewriter, loc, part, partSizes), result, offsets,
          partSizes, strides);
      offsets[axis] = rewriter.getIndexAttr(width);
    }
    replaceWithCast(rewriter, op, result);
    return success();
  }
};

struct SelectLowering : OpConversionPattern<attn::SelectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::SelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = RankedTensorType::get(op.getType().getShape(),
                                            rewriter.getF32Type());
    replaceWithCast(rewriter, op,
                    extractAxisSlice(rewriter, op.getLoc(), adaptor.getInput(),
                                     op.getAxis(), op.getIndex(), 1,
                                     resultType));
    return success();
  }
};

/// [B, C, H, W] -> [B, Hp, Wp, C, p, p] as one index map (the loops of the
/// patch grid outside those of a patch), then the free collapse to
/// [B, Hp * Wp, C * p * p].
struct PatchesLowering : OpConversionPattern<attn::PatchesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::PatchesOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t p = op.getSize(), c = type.getDimSize(1),
            hp = type.getDimSize(2) / p, wp = type.getDimSize(3) / p;
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, x, 0), rewriter.getIndexAttr(hp),
        rewriter.getIndexAttr(wp), rewriter.getIndexAttr(c),
        rewriter.getIndexAttr(p), rewriter.getIndexAttr(p)};
    AffineExpr bi, i, j, ci, kh, kw;
    bindDims(rewriter.getContext(), bi, i, j, ci, kh, kw);
    AffineMap map = AffineMap::get(6, 0, {bi, ci, i * p + kh, j * p + kw},
                                   rewriter.getContext());
    Value grid = buildIndexedRead(rewriter, loc, sizes, x, map);
    SmallVector<ReassociationIndices> groups = {{0}, {1, 2}, {3, 4, 5}};
    replaceWithCast(rewriter, op,
                    rewriter.create<tensor::CollapseShapeOp>(loc, grid, groups));
    return success();
  }
};

/// result[i_0, ..., i_n] reads input at position dims[k] the index i_k: one
/// index map, as attn.transpose, so that elementwise fusion folds it into
/// its consumer.
struct PermuteLowering : OpConversionPattern<attn::PermuteOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(attn::PermuteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    SmallVector<OpFoldResult> inputSizes =
        tensor::getMixedSizes(rewriter, loc, x);
    ArrayRef<int64_t> dims = op.getDims();
    SmallVector<OpFoldResult> sizes;
    SmallVector<unsigned> inverse(dims.size());
    for (auto [i, d] : llvm::enumerate(dims)) {
      sizes.push_back(inputSizes[d]);
      inverse[d] = i;
    }
    AffineMap map = selectDims(rewriter.getContext(), dims.size(), inverse);
    replaceWithCast(rewriter, op,
                    buildIndexedRead(rewriter, loc, sizes, x, map));
    return success();
  }
};

enum class Reduction { Sum, Mean, Max };

/// sum, mean, max over the last dimension: one reduction generic (and, for
/// the mean, a division by the row length).
template <typename OpTy, Reduction Kind>
struct LastDimReductionLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    double init = Kind == Reduction::Max
                      ? -std::numeric_limits<double>::infinity()
                      : 0.0;
    Value r = buildLastDimReduction(
        rewriter, loc, x, init, {},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          if (Kind == Reduction::Max)
            return b.create<arith::MaximumFOp>(l, a[0], a[1]);
          return b.create<arith::AddFOp>(l, a[0], a[1]);
        });
    if (Kind == Reduction::Mean) {
      int64_t last = cast<RankedTensorType>(x.getType()).getRank() - 1;
      Value n = rewriter.create<arith::UIToFPOp>(
          loc, rewriter.getF32Type(),
          rewriter.create<arith::IndexCastUIOp>(
              loc, rewriter.getI64Type(),
              rewriter.create<tensor::DimOp>(loc, x, last)));
      r = buildElementwise(rewriter, loc, tensor::getMixedSizes(rewriter, loc, r),
                           r, {},
                           [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return b.create<arith::DivFOp>(l, a[0], n);
                           });
    }
    replaceWithCast(rewriter, op, r);
    return success();
  }
};

} // namespace

void attnc::populateAttnImageOpLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ExpandLowering, ConcatLowering, SelectLowering, PatchesLowering,
               PermuteLowering,
               LastDimReductionLowering<attn::SumOp, Reduction::Sum>,
               LastDimReductionLowering<attn::MeanOp, Reduction::Mean>,
               LastDimReductionLowering<attn::MaxOp, Reduction::Max>>(
      patterns.getContext());
}
