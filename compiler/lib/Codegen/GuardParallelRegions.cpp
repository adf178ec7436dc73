//===- GuardParallelRegions.cpp - No fork for too little work -------------===//
//
// An omp.parallel forks the team and joins it at a barrier even when its
// work-sharing loops have a single iteration, which one thread runs while
// the others wait: a GPT-2 decode step's 25 layernorms (one row each) took
// about 4 us more per call at 2 threads than at one (the profile). The
// same holds for a few tiny iterations: the step's head split copies 12
// heads of 64 floats (four vectors each) and took 7 us per call at 2
// threads against 2 us at one. Each region whose loops' bounds are defined
// before it gets `if(fork)`, where fork says that some work-sharing loop
// has more than one iteration and, when its body's loops have constant
// trip counts, at least kMinForkWork operations in all. Otherwise
// the region runs on the calling thread alone, the same work in the same
// order.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/CallInterfaces.h"

#include <algorithm>
#include <optional>

namespace attnc {
#define GEN_PASS_DEF_GUARDPARALLELREGIONS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

/// Operations (counted as written in the IR, a vector op as one) below
/// which a region's loops do not fork the team. Waking it and joining it at
/// the barrier cost about 4 us per region at 2 threads (a decode step's
/// layernorm, profiled); this bound is an estimate, not a measured
/// break-even: well under that time on one thread.
constexpr int64_t kMinForkWork = 4096;

/// The operations one execution of `region` runs, at most kMinForkWork: an
/// scf.for with constant bounds counts its trip count times its body, other
/// ops their nested regions. nullopt when a loop's trip count is not a
/// constant (or the loop is not an scf.for), or the region calls a function.
std::optional<int64_t> workOf(Region &region) {
  int64_t work = 0;
  for (Operation &op : region.getOps()) {
    // A call's work is not in the region (the emulated AMX tiles, for one).
    if ((isa<LoopLikeOpInterface>(op) && !isa<scf::ForOp>(op)) ||
        isa<CallOpInterface>(op))
      return std::nullopt;
    int64_t inner = 1;
    for (Region &nested : op.getRegions()) {
      std::optional<int64_t> w = workOf(nested);
      if (!w)
        return std::nullopt;
      inner += *w;
    }
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      std::optional<int64_t> trips = constantTripCount(
          loop.getLowerBound(), loop.getUpperBound(), loop.getStep());
      if (!trips)
        return std::nullopt;
      inner = std::min(inner, kMinForkWork) *
              std::clamp<int64_t>(*trips, 0, kMinForkWork);
    }
    work = std::min(work + inner, kMinForkWork);
  }
  return work;
}

/// Whether `region` (an omp.parallel) has enough work to share (the file's
/// comment), computed before it; null (and nothing built) when a loop's
/// bounds are computed inside it, or it has no such loop.
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
    // At least two iterations, and where the body's work is known at least
    // kMinForkWork operations in all.
    int64_t least = 2;
    if (std::optional<int64_t> body = workOf(nest.getRegion()))
      least = std::max<int64_t>(
          least, llvm::divideCeil(kMinForkWork, std::max<int64_t>(*body, 1)));
    Value more = b.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::sge, total,
        b.create<arith::ConstantIndexOp>(loc, least));
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
