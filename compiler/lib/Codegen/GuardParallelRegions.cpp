//===- GuardParallelRegions.cpp - No fork for one iteration ---------------===//
//
// An omp.parallel forks the team and joins it at a barrier even when its
// work-sharing loops have a single iteration, which one thread runs while
// the others wait: a GPT-2 decode step's 25 layernorms (one row each) took
// about 4 us more per call at 2 threads than at one (the profile). Regions
// with several small iterations (the step's head split over 12 heads) still
// fork. Each region whose loops' bounds are defined before
// it gets `if(iterations > 1)`: with one iteration (or none) it runs on the
// calling thread alone, the same work in the same order.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace attnc {
#define GEN_PASS_DEF_GUARDPARALLELREGIONS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

/// Whether `region` (an omp.parallel) has more than one iteration in some
/// work-sharing loop, computed before it; null (and nothing built) when a
/// loop's bounds are computed inside it, or it has no such loop.
Value sharesWork(OpBuilder &b, omp::ParallelOp region) {
  SmallVector<omp::LoopNestOp> nests;
  bool inside = false;
  region.walk([&](omp::LoopNestOp nest) {
    nests.push_back(nest);
    // Bounds computed inside the region, or not index-typed, cannot be
    // evaluated before it.
    for (Value v : nest->getOperands())
      if (!v.getType().isIndex() ||
          region->isAncestor(v.getParentRegion()->getParentOp()))
        inside = true;
  });
  if (nests.empty() || inside)
    return nullptr;
  Location loc = region.getLoc();
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value many;
  for (omp::LoopNestOp nest : nests) {
    Value total = one;
    for (auto [lb, ub, step] : llvm::zip(nest.getLowerBound(),
                                         nest.getUpperBound(),
                                         nest.getStep())) {
      Value span = b.create<arith::SubIOp>(loc, ub, lb);
      if (nest.getInclusive())
        span = b.create<arith::AddIOp>(loc, span, one);
      span = b.create<arith::MaxSIOp>(loc, span, zero);
      total = b.create<arith::MulIOp>(
          loc, total, b.create<arith::CeilDivSIOp>(loc, span, step));
    }
    Value more = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt,
                                         total, one);
    many = many ? b.create<arith::OrIOp>(loc, many, more).getResult() : more;
  }
  return many;
}

struct GuardParallelRegionsPass
    : attnc::impl::GuardParallelRegionsBase<GuardParallelRegionsPass> {
  void runOnOperation() override {
    SmallVector<omp::ParallelOp> regions;
    getOperation()->walk([&](omp::ParallelOp region) {
      if (!region.getIfExpr() &&
          !region->getParentOfType<omp::ParallelOp>())
        regions.push_back(region);
    });
    for (omp::ParallelOp region : regions) {
      OpBuilder b(region);
      if (Value many = sharesWork(b, region))
        region.getIfExprMutable().assign(many);
    }
  }
};

} // namespace
