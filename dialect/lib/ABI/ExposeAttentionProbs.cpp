//===- ExposeAttentionProbs.cpp - Attention probabilities as outputs ------===//
//
// The debug build's extra outputs: for every attn.attention of the model, an
// attn.attention_probs beside it whose value the model also returns. Inside
// the layer loop the probabilities of each layer go into a stacked tensor
// carried by the loop, so the IR stays one loop and the output is one
// [layers, B, H, Sq, Sk] tensor.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/ABI/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Dialect/Attn/Transforms/DimOrigin.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/MapVector.h"

namespace attnc::attn {
#define GEN_PASS_DEF_EXPOSEATTENTIONPROBS
#include "attnc/Dialect/Attn/ABI/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc;
using namespace attnc::attn;

namespace {

/// One attention op, the layer loop around it (null at function level), and
/// what its probabilities output looks like.
struct Site {
  AttentionOp op;
  scf::ForOp loop;
  int64_t layers = 0;
  /// [layers?, B, H, Sq, Sk]: sizes and dim names, for attn.shape.
  SmallVector<Attribute> shape;
  /// Where each dynamic size of [B, H, Sq, Sk] comes from.
  SmallVector<std::optional<DimOrigin>> origins;
  Value result;
};

RankedTensorType probsType(AttentionOp op) {
  RankedTensorType q = op.getQuery().getType();
  return RankedTensorType::get({q.getDimSize(0), q.getDimSize(1),
                                q.getDimSize(2),
                                op.getKey().getType().getDimSize(2)},
                               q.getElementType());
}

/// The value and dimension that dimension `d` of the probabilities of `op`
/// has the size of.
std::pair<Value, unsigned> probsDim(AttentionOp op, unsigned d) {
  if (d < 3)
    return {op.getQuery(), d};
  return {op.getKey(), 2};
}

LogicalResult describeSite(func::FuncOp fn, Site &site) {
  Builder b(fn.getContext());
  Operation *parent = site.op->getParentOp();
  if (parent != fn.getOperation()) {
    site.loop = dyn_cast<scf::ForOp>(parent);
    std::optional<int64_t> lb, ub, step;
    if (site.loop) {
      lb = getConstantIntValue(site.loop.getLowerBound());
      ub = getConstantIntValue(site.loop.getUpperBound());
      step = getConstantIntValue(site.loop.getStep());
    }
    if (!site.loop || site.loop->getParentOp() != fn.getOperation() || !lb ||
        !ub || !step || *lb != 0 || *step != 1 || *ub < 1)
      return site.op.emitError(
          "cannot expose the probabilities of an attention that is neither "
          "at function level nor directly in a layer loop (scf.for from 0 to "
          "a constant, step 1)");
    site.layers = *ub;
    site.shape.push_back(b.getI64IntegerAttr(site.layers));
  }
  RankedTensorType type = probsType(site.op);
  for (unsigned d = 0; d < 4; ++d) {
    int64_t size = type.getDimSize(d);
    if (!ShapedType::isDynamic(size)) {
      site.shape.push_back(b.getI64IntegerAttr(size));
      site.origins.push_back(std::nullopt);
      continue;
    }
    auto [value, dim] = probsDim(site.op, d);
    FailureOr<DimOrigin> origin = traceDimOrigin(fn, value, dim);
    auto names = succeeded(origin) ? fn.getArgAttrOfType<ArrayAttr>(
                                         origin->arg.getArgNumber(), kShapeAttr)
                                   : ArrayAttr();
    auto name = names && origin->dim < names.size()
                    ? dyn_cast<StringAttr>(names[origin->dim])
                    : StringAttr();
    if (!name)
      return site.op.emitError()
             << "cannot tell which of the model's dims gives dimension " << d
             << " of this attention's probabilities";
    site.shape.push_back(name);
    site.origins.push_back(*origin);
  }
  return success();
}

/// The attention probabilities of `op`, built right after it.
Value buildProbs(OpBuilder &b, AttentionOp op) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(op);
  return b.create<AttentionProbsOp>(op.getLoc(), probsType(op), op.getQuery(),
                                    op.getKey(), op.getMask(),
                                    op.getCausalAttr(), op.getScaleAttr(),
                                    op.getWindowAttr(), op.getAlibiAttr());
}

/// Adds one iter_arg per site to `loop`, each a [layers, B, H, Sq, Sk]
/// tensor that every iteration fills at its layer, and sets the sites'
/// results to the loop's new results.
LogicalResult stackOverLoop(scf::ForOp loop, MutableArrayRef<Site *> sites) {
  IRRewriter rewriter(loop.getContext());
  rewriter.setInsertionPoint(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> inits;
  llvm::DenseMap<std::pair<Value, unsigned>, Value> dims;
  for (Site *site : sites) {
    SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(site->layers)};
    RankedTensorType type = probsType(site->op);
    for (auto [d, origin] : llvm::enumerate(site->origins)) {
      if (origin) {
        Value &size = dims[{origin->arg, origin->dim}];
        if (!size)
          size = rewriter.create<tensor::DimOp>(loc, origin->arg, origin->dim);
        sizes.push_back(size);
      } else
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
    }
    inits.push_back(
        rewriter.create<tensor::EmptyOp>(loc, sizes, type.getElementType()));
  }
  Value layer = loop.getInductionVar();
  FailureOr<LoopLikeOpInterface> grown = loop.replaceWithAdditionalYields(
      rewriter, inits, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &b, Location, ArrayRef<BlockArgument> stacks) {
        SmallVector<Value> yields;
        for (auto [site, stack] : llvm::zip(sites, stacks)) {
          Value probs = buildProbs(b, site->op);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointAfterValue(probs);
          SmallVector<OpFoldResult> offsets{layer}, sizes{b.getIndexAttr(1)};
          for (OpFoldResult size :
               tensor::getMixedSizes(b, site->op.getLoc(), probs)) {
            offsets.push_back(b.getIndexAttr(0));
            sizes.push_back(size);
          }
          SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
          yields.push_back(b.create<tensor::InsertSliceOp>(
              site->op.getLoc(), probs, stack, offsets, sizes, strides));
        }
        return yields;
      });
  if (failed(grown))
    return loop.emitError("cannot add the attention probabilities to the "
                          "layer loop");
  for (auto [site, result] :
       llvm::zip(sites, (*grown)->getResults().take_back(sites.size())))
    site->result = result;
  return success();
}

struct ExposeAttentionProbsPass
    : attnc::attn::impl::ExposeAttentionProbsBase<ExposeAttentionProbsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> found = lookupOptionalModelFunction(module);
    FailureOr<func::FuncOp> step = lookupStepFunction(module);
    if (failed(found) || failed(step))
      return signalPassFailure();
    func::FuncOp model = *found;
    if (!model)
      return;
    if (*step) {
      module.emitError("the model already has an incremental-decoding entry "
                       "(attnc-kv-cache), which cannot return attention "
                       "probabilities; debug builds run this pass instead "
                       "of attnc-kv-cache");
      return signalPassFailure();
    }

    SmallVector<Site> sites;
    model.walk([&](AttentionOp op) { sites.emplace_back().op = op; });
    for (Site &site : sites)
      if (failed(describeSite(model, site)))
        return signalPassFailure();

    OpBuilder b(model.getContext());
    llvm::MapVector<Operation *, SmallVector<Site *>> byLoop;
    for (Site &site : sites) {
      if (site.loop)
        byLoop[site.loop].push_back(&site);
      else
        site.result = buildProbs(b, site.op);
    }
    for (auto &[loop, loopSites] : byLoop)
      if (failed(stackOverLoop(cast<scf::ForOp>(loop), loopSites)))
        return signalPassFailure();

    auto ret = cast<func::ReturnOp>(model.getBody().back().getTerminator());
    for (auto [i, site] : llvm::enumerate(sites)) {
      unsigned index = model.getNumResults();
      SmallVector<NamedAttribute> attrs{
          b.getNamedAttr(kNameAttr,
                         b.getStringAttr(kAttentionOutputPrefix + Twine(i))),
          b.getNamedAttr(kShapeAttr, b.getArrayAttr(site.shape))};
      model.insertResult(index, site.result.getType(),
                         b.getDictionaryAttr(attrs));
      ret.getOperandsMutable().append(site.result);
    }
  }
};

} // namespace
