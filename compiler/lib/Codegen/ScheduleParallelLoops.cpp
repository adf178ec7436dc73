//===- ScheduleParallelLoops.cpp - Round-robin OpenMP work sharing --------===//
//
// convert-scf-to-openmp leaves the schedule of omp.wsloop unspecified,
// which libomp runs as static blocks: thread t gets one contiguous range of
// iterations. The iterations of causal attention (tiles of query rows) grow
// in cost along the range, so blocks split the work 25/75 on two threads;
// schedule(static, 1) deals the iterations out round-robin instead. Each
// iteration still computes the same outputs in the same order, so results
// do not depend on the thread count.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace attnc {
#define GEN_PASS_DEF_SCHEDULEPARALLELLOOPS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

struct ScheduleParallelLoopsPass
    : attnc::impl::ScheduleParallelLoopsBase<ScheduleParallelLoopsPass> {
  void runOnOperation() override {
    getOperation()->walk([](omp::WsloopOp loop) {
      if (loop.getScheduleVal())
        return;
      OpBuilder b(loop);
      Value chunk = b.create<arith::ConstantIntOp>(loop.getLoc(), 1, 32);
      loop.setScheduleVal(omp::ClauseScheduleKind::Static);
      loop.getScheduleChunkVarMutable().assign(chunk);
    });
  }
};

} // namespace
