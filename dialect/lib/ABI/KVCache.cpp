//===- KVCache.cpp - The incremental-decoding entry of a decoder ----------===//
//
// Clones the model function into `<model>_step`, which computes the model on
// the S new tokens at positions [position, position + S) given a key/value
// cache per causal attention. The cache is a memref argument, written in
// place: the new keys and values are materialized into the cache at
// `position`, and attention reads the cached prefix back as a tensor. Inside
// the layer loop (scf.for) the cache has a leading layer dimension indexed by
// the loop's induction variable, so the IR stays one loop. A cache of bf16
// or f16 (cache-type) gets the new keys and values rounded as they are
// written.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/ABI/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace attnc::attn {
#define GEN_PASS_DEF_INTRODUCEKVCACHE
#include "attnc/Dialect/Attn/ABI/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc;
using namespace attnc::attn;

namespace {

/// One causal attention op of the step function and the layer loop around
/// it (null when at function level).
struct CacheSite {
  AttentionOp op;
  scf::ForOp loop;
  int64_t layers = 0;
};

/// Checks that the model is a decoder this pass can handle, collecting its
/// attention ops. Returns failure (with a remark) to leave it alone.
LogicalResult collectSites(func::FuncOp fn, SmallVectorImpl<CacheSite> &sites) {
  WalkResult result = fn.walk([&](AttentionOp op) {
    if (!op.getCausal())
      return WalkResult::interrupt();
    CacheSite site{op, op->getParentOfType<scf::ForOp>(), 0};
    if (site.loop) {
      std::optional<int64_t> lb = getConstantIntValue(site.loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(site.loop.getUpperBound());
      std::optional<int64_t> step = getConstantIntValue(site.loop.getStep());
      if (!lb || !ub || !step || *lb != 0 || *step != 1 ||
          site.loop->getParentOfType<scf::ForOp>())
        return WalkResult::interrupt();
      site.layers = *ub;
    }
    sites.push_back(site);
    return WalkResult::advance();
  });
  return success(!result.wasInterrupted() && !sites.empty());
}

/// The cache of a site: [layers?, batch, kv_heads, capacity, head_dim] of
/// `element`.
MemRefType cacheMemRefType(const CacheSite &site, RankedTensorType kv,
                           Type element) {
  SmallVector<int64_t> shape;
  if (site.layers)
    shape.push_back(site.layers);
  shape.append({ShapedType::kDynamic, kv.getDimSize(1), ShapedType::kDynamic,
                kv.getDimSize(3)});
  return MemRefType::get(shape, element);
}

/// Writes `fresh` ([B, G, S, D]) into `cache` at `position` (and at the
/// layer `layer`, if any), rounded to the cache's element type, and returns
/// the cached [B, G, position + S, D] as a tensor of that type.
Value appendToCache(OpBuilder &b, Location loc, Value cache, Value layer,
                    Value fresh, Value position) {
  auto cacheMemref = cast<MemRefType>(cache.getType());
  if (getElementTypeOrSelf(fresh) != cacheMemref.getElementType())
    fresh = b.create<arith::TruncFOp>(loc,
                                      cast<RankedTensorType>(fresh.getType())
                                          .clone(cacheMemref.getElementType()),
                                      fresh);
  auto freshType = cast<RankedTensorType>(fresh.getType());
  Value batch = b.create<tensor::DimOp>(loc, fresh, 0);
  Value count = b.create<tensor::DimOp>(loc, fresh, 2);
  Value end = b.create<arith::AddIOp>(loc, position, count);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);

  auto view = [&](OpFoldResult start, OpFoldResult length) -> Value {
    SmallVector<OpFoldResult> offsets, sizes;
    if (layer) {
      offsets.push_back(layer);
      sizes.push_back(one);
    }
    offsets.append({zero, zero, start, zero});
    sizes.append({batch, b.getIndexAttr(freshType.getDimSize(1)), length,
                  b.getIndexAttr(freshType.getDimSize(3))});
    SmallVector<OpFoldResult> strides(offsets.size(), one);
    auto type = memref::SubViewOp::inferRankReducedResultType(
        {ShapedType::kDynamic, freshType.getDimSize(1), ShapedType::kDynamic,
         freshType.getDimSize(3)},
        cacheMemref, offsets, sizes, strides);
    return b.create<memref::SubViewOp>(loc, cast<MemRefType>(type), cache,
                                       offsets, sizes, strides);
  };
  auto write = b.create<bufferization::MaterializeInDestinationOp>(
      loc, TypeRange{}, fresh, view(position, count));
  write.setWritable(true);
  Value cached = view(zero, end);
  return b.create<bufferization::ToTensorOp>(
      loc, freshType.clone({freshType.getDimSize(0), freshType.getDimSize(1),
                            ShapedType::kDynamic, freshType.getDimSize(3)}),
      cached, /*restrict=*/true, /*writable=*/false);
}

struct IntroduceKVCachePass
    : attnc::attn::impl::IntroduceKVCacheBase<IntroduceKVCachePass> {
  using IntroduceKVCacheBase::IntroduceKVCacheBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<FloatType> element =
        parseWeightType(module.getContext(), cacheType);
    if (!element) {
      module.emitError() << "attnc-kv-cache: unknown cache-type '" << cacheType
                         << "'; expected " << kWeightTypeNames;
      return signalPassFailure();
    }
    FailureOr<func::FuncOp> found = lookupOptionalModelFunction(module);
    FailureOr<func::FuncOp> existingStep = lookupStepFunction(module);
    if (failed(found) || failed(existingStep))
      return signalPassFailure();
    func::FuncOp model = *found;
    // A module resumed from a dump after this pass has its entry already.
    if (!model || *existingStep)
      return;
    SmallVector<CacheSite> probe;
    if (failed(collectSites(model, probe)))
      return; // not a pure decoder: no incremental entry

    OpBuilder b(model);
    b.setInsertionPointAfter(model);
    auto step = cast<func::FuncOp>(b.clone(*model));
    step.setSymName((model.getSymName() + "_step").str());
    step->removeAttr(kModelAttr);
    step->setAttr(kStepOfAttr, model->getAttr(kModelAttr));

    SmallVector<CacheSite> sites;
    (void)collectSites(step, sites);

    // New arguments: a key and a value cache per site, then the position.
    Location loc = step.getLoc();
    auto attrs = [&](StringRef kind, StringRef name, int64_t layers) {
      SmallVector<NamedAttribute> list{
          b.getNamedAttr(kKindAttr, b.getStringAttr(kind)),
          b.getNamedAttr(kNameAttr, b.getStringAttr(name))};
      if (layers)
        list.push_back(
            b.getNamedAttr(kLayersAttr, b.getI64IntegerAttr(layers)));
      return b.getDictionaryAttr(list);
    };
    SmallVector<std::pair<Value, Value>> caches;
    for (auto [i, site] : llvm::enumerate(sites)) {
      MemRefType type =
          cacheMemRefType(site, site.op.getKey().getType(), *element);
      unsigned n = step.getNumArguments();
      std::string id = std::to_string(i);
      step.insertArgument(n, type, attrs(kKVCacheKind, "k" + id, site.layers),
                          loc);
      step.insertArgument(n + 1, type,
                          attrs(kKVCacheKind, "v" + id, site.layers), loc);
      caches.push_back({step.getArgument(n), step.getArgument(n + 1)});
    }
    unsigned n = step.getNumArguments();
    step.insertArgument(n, b.getIndexType(),
                        attrs(kPositionKind, "position", 0), loc);
    Value position = step.getArgument(n);

    for (auto [site, cache] : llvm::zip(sites, caches)) {
      OpBuilder at(site.op);
      Value layer = site.loop ? site.loop.getInductionVar() : Value();
      Value k = appendToCache(at, site.op.getLoc(), cache.first, layer,
                              site.op.getKey(), position);
      Value v = appendToCache(at, site.op.getLoc(), cache.second, layer,
                              site.op.getValue(), position);
      site.op.getKeyMutable().assign(k);
      site.op.getValueMutable().assign(v);
    }
    step.walk([&](PositionsOp op) { op.getOffsetMutable().assign(position); });
  }
};

} // namespace
