//===- ScheduleParallelLoops.cpp - Contiguous OpenMP work sharing ---------===//
//
// Every work-sharing loop gets schedule(static): thread t runs one
// contiguous range of iterations. Consecutive iterations read consecutive
// memory (the panels of a weight, the key chunks of one head), so each
// thread streams its own slice: a decode step's products and its attention
// over the KV cache then read long runs the hardware prefetchers follow.
// Dealing iterations out round-robin (schedule(static, 1), until session
// 11) interleaved the threads' reads panel by panel and chunk by chunk:
// attention over a 1024-token cache ran 1.5x slower at 2 threads. Loops
// whose iterations differ in cost order them so that any contiguous range
// is balanced (causal attention's query tiles: FlashAttention.cpp). Each
// iteration computes the same outputs in the same order however the range
// is cut, so results do not depend on the thread count.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

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
      loop.setScheduleVal(omp::ClauseScheduleKind::Static);
    });
  }
};

} // namespace
