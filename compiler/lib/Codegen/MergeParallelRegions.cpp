//===- MergeParallelRegions.cpp - One OpenMP region per kernel ------------===//
//
// convert-scf-to-openmp gives every parallel loop its own omp.parallel, so
// one layernorm (two fills, two reductions, the normalization) forks and
// joins the team five or six times. Consecutive regions lowered from the same
// op (the same location) become one region whose work-sharing loops follow
// each other: the barrier that ends each loop keeps their order, and the
// team is forked once. Only side-effect-free ops (views, dims, constants)
// may stand between two regions; they move above the first.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace attnc {
#define GEN_PASS_DEF_MERGEPARALLELREGIONS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

/// A region the merge may extend or absorb: no clauses, one block.
bool isPlainRegion(omp::ParallelOp op) {
  return op->getNumOperands() == 0 && op.getRegion().hasOneBlock() &&
         !op.getProcBindVal();
}

/// Whether `op` may move above the previous region: no effects, no regions.
bool isMovable(Operation &op) {
  return op.getNumRegions() == 0 && isMemoryEffectFree(&op);
}

/// Moves the body of `next` to the end of `into`'s, after a barrier unless
/// `into` already ends with a work-sharing loop that has its own.
void append(omp::ParallelOp into, omp::ParallelOp next) {
  Block &body = into.getRegion().front();
  Operation *terminator = body.getTerminator();
  auto loop = dyn_cast_or_null<omp::WsloopOp>(terminator->getPrevNode());
  if (!loop || loop.getNowait()) {
    OpBuilder b(terminator);
    b.create<omp::BarrierOp>(next.getLoc());
  }
  Block &from = next.getRegion().front();
  from.getTerminator()->erase();
  body.getOperations().splice(Block::iterator(terminator), from.getOperations());
  next.erase();
}

struct MergeParallelRegionsPass
    : attnc::impl::MergeParallelRegionsBase<MergeParallelRegionsPass> {
  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks)
      mergeIn(*block);
  }

  void mergeIn(Block &block) {
    omp::ParallelOp open; // the region later ones of its op merge into
    SmallVector<Operation *> between;
    for (Operation &op : llvm::make_early_inc_range(block)) {
      auto region = dyn_cast<omp::ParallelOp>(op);
      if (region && open && isPlainRegion(region) &&
          region.getLoc() == open.getLoc()) {
        for (Operation *moved : between)
          moved->moveBefore(open);
        between.clear();
        append(open, region);
        continue;
      }
      if (region) {
        open = isPlainRegion(region) ? region : omp::ParallelOp();
        between.clear();
        continue;
      }
      if (open && isMovable(op)) {
        between.push_back(&op);
        continue;
      }
      open = {};
      between.clear();
    }
  }
};

} // namespace
