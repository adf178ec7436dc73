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

/// Matches the score computation `scale(matmul(q, transpose(k)))` (the scale
/// optional), accumulating the scale factor.
LogicalResult matchScores(Value scores, Value &q, Value &k, double &scale) {
  if (auto scaleOp = singleUseProducer<ScaleOp>(scores)) {
    scale *= scaleOp.getFactor().convertToDouble();
    scores = scaleOp.getInput();
  }
  auto qk = singleUseProducer<MatmulOp>(scores);
  if (!qk)
    return failure();
  auto kt = singleUseProducer<TransposeOp>(qk.getRhs());
  if (!kt)
    return failure();
  q = qk.getLhs();
  k = kt.getInput();
  return success();
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

    double scale = 1.0;
    bool causal = false;
    Value scores = softmax.getInput();
    // A scale applied after the mask keeps -inf entries at -inf only if it
    // is positive; before the mask, any scale is fine.
    if (auto outer = singleUseProducer<ScaleOp>(scores)) {
      double factor = outer.getFactor().convertToDouble();
      if (auto mask = singleUseProducer<CausalMaskOp>(outer.getInput())) {
        if (factor <= 0)
          return rewriter.notifyMatchFailure(pv, "non-positive scale of -inf");
        scale = factor;
        causal = true;
        scores = mask.getInput();
      }
    } else if (auto mask = singleUseProducer<CausalMaskOp>(scores)) {
      causal = true;
      scores = mask.getInput();
    }
    Value q, k;
    if (failed(matchScores(scores, q, k, scale)))
      return rewriter.notifyMatchFailure(pv, "scores are not scale(q @ k^T)");

    Value v = pv.getRhs();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    if (qType.getRank() != 4 || kType.getRank() != 4 || vType.getRank() != 4)
      return rewriter.notifyMatchFailure(pv, "operands are not [B, H, S, D]");

    rewriter.replaceOpWithNewOp<AttentionOp>(pv, pv.getType(), q, k, v, causal,
                                             static_cast<float>(scale));
    return success();
  }
};

struct FuseAttentionPass
    : attnc::attn::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseExplicitAttention>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
