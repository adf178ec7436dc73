//===- FuseAttention.cpp - Spelled-out attention to attn.attention --------===//
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace attnc::attn {
#define GEN_PASS_DEF_FUSEATTENTION
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc::attn;

namespace {

/// The value's defining op, if it is an `OpTy` whose result has one use (the
/// pattern consumes every intermediate; one used elsewhere must stay).
template <typename OpTy>
OpTy singleUseProducer(Value v) {
  auto op = v.getDefiningOp<OpTy>();
  if (!op || !op->getResult(0).hasOneUse())
    return nullptr;
  return op;
}

/// What sits between the softmax and the score product.
struct Scores {
  Value q, k, mask;
  double scale = 1.0;
  bool causal = false;
};

/// Walks down from the softmax's input through scales (multiplied
/// together), at most one causal and one padding mask in any order, to
/// `matmul(q, transpose(k))`. A scale applied after a mask must be positive:
/// it has to keep -inf at -inf.
FailureOr<Scores> matchScores(SoftmaxOp softmax) {
  Scores s;
  s.scale = softmax.getScale().convertToDouble();
  bool nonPositiveAbove = s.scale <= 0;
  Value v = softmax.getInput();
  while (true) {
    if (auto scale = singleUseProducer<ScaleOp>(v)) {
      double factor = scale.getFactor().convertToDouble();
      s.scale *= factor;
      nonPositiveAbove |= factor <= 0;
      v = scale.getInput();
    } else if (auto mask = singleUseProducer<CausalMaskOp>(v)) {
      if (s.causal || nonPositiveAbove)
        return failure();
      s.causal = true;
      v = mask.getInput();
    } else if (auto mask = singleUseProducer<PaddingMaskOp>(v)) {
      if (s.mask || nonPositiveAbove)
        return failure();
      s.mask = mask.getMask();
      v = mask.getInput();
    } else {
      break;
    }
  }
  auto qk = singleUseProducer<MatmulOp>(v);
  if (!qk)
    return failure();
  auto kt = singleUseProducer<TransposeOp>(qk.getRhs());
  if (!kt)
    return failure();
  s.q = qk.getLhs();
  s.k = kt.getInput();
  return s;
}

struct FuseExplicitAttention : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp pv,
                                PatternRewriter &rewriter) const override {
    if (pv.getType().getRank() != 4)
      return rewriter.notifyMatchFailure(pv, "not [B, H, S, D]");
    auto softmax = singleUseProducer<SoftmaxOp>(pv.getLhs());
    if (!softmax)
      return rewriter.notifyMatchFailure(pv, "not a product with softmax");
    FailureOr<Scores> scores = matchScores(softmax);
    if (failed(scores))
      return rewriter.notifyMatchFailure(
          pv, "scores are not masked, positively scaled q @ k^T");

    Value q = scores->q, k = scores->k, v = pv.getRhs();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    if (qType.getRank() != 4 || kType.getRank() != 4 || vType.getRank() != 4)
      return rewriter.notifyMatchFailure(pv, "operands are not [B, H, S, D]");

    rewriter.replaceOpWithNewOp<AttentionOp>(
        pv, pv.getType(), q, k, v, scores->mask,
        scores->causal ? rewriter.getUnitAttr() : UnitAttr(),
        rewriter.getF32FloatAttr(static_cast<float>(scores->scale)),
        IntegerAttr(), UnitAttr());
    return success();
  }
};

struct FuseAttentionPass
    : attnc::attn::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseExplicitAttention>(&getContext());
    // Grouped heads spelled out with repeat_kv: read the unrepeated ones.
    AttentionOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
