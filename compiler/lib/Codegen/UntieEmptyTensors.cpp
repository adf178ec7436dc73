//===- UntieEmptyTensors.cpp - One tensor.empty per use -------------------===//
//
// CSE merges identical tensor.empty ops, so one empty tensor may be the
// destination of several unrelated results. Empty-tensor elimination (MLIR
// 19) then rewrites it into the buffer of one of those results for all of
// them, and two outputs end up computed in the same buffer (seen with two
// model outputs of one shape). A separate tensor.empty per use keeps every
// destination independent; bufferization still reuses buffers where it can.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace attnc {
#define GEN_PASS_DEF_UNTIEEMPTYTENSORS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

struct UntieEmptyTensorsPass
    : attnc::impl::UntieEmptyTensorsBase<UntieEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> shared;
    getOperation()->walk([&](tensor::EmptyOp op) {
      if (!op->hasOneUse() && !op->use_empty())
        shared.push_back(op);
    });
    for (tensor::EmptyOp op : shared) {
      SmallVector<OpOperand *> uses = llvm::to_vector(llvm::map_range(
          op->getUses(), [](OpOperand &use) { return &use; }));
      for (OpOperand *use : llvm::drop_begin(uses)) {
        OpBuilder b(use->getOwner());
        use->set(b.clone(*op)->getResult(0));
      }
    }
  }
};

} // namespace
