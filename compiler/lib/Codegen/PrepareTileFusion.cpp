//===- PrepareTileFusion.cpp - Make epilogues safe to fuse into kernels ---===//
//
// A kernel with a fused epilogue writes the epilogue's output D while other
// tiles still read A and B, and never writes C's final value. Unfused, D may
// take the memory of an A that dies at the product (attnc-plan-memory
// reuses it), and C must be read by nothing else. Before memory planning,
// while every intermediate is its own memref.alloc, this pass checks C,
// moves D's alloc above the product so that D's lifetime overlaps the
// operands' (planned apart), and marks the epilogues LowerContractions may
// fuse.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"
#include "attnc/Codegen/TileFusion.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <functional>

namespace attnc {
#define GEN_PASS_DEF_PREPARETILEFUSION
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;
using namespace attnc::codegen;

namespace {

/// The buffer `value` is a view of.
Value rootOf(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// Whether the epilogue of `c` can write its output during the kernel;
/// moves that output's alloc above the kernel when it is one.
bool prepare(Contraction c, linalg::GenericOp epilogue,
             DominanceInfo &dominance) {
  Value out = c.op.getDpsInits()[0];
  linalg::LinalgOp init = matchInit(c);
  Operation *first = init ? init.getOperation() : c.op.getOperation();
  // C: a buffer of its own that nothing uses after the epilogue (ops before
  // the product fill it; nothing runs between the product and the epilogue).
  std::function<bool(Value)> usedLater = [&](Value buffer) {
    return llvm::any_of(buffer.getUsers(), [&](Operation *user) {
      if (user == c.op || user == epilogue)
        return false;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == buffer &&
            usedLater(user->getResult(0)))
          return true;
      return user->getBlock() != c.op->getBlock() ||
             !user->isBeforeInBlock(c.op);
    });
  };
  if (!out.getDefiningOp<memref::AllocOp>() || usedLater(out))
    return false;
  Value d = epilogue.getDpsInits()[0];
  if (auto alloc = d.getDefiningOp<memref::AllocOp>()) {
    // A new buffer, alive from before the kernel, overlaps nothing it reads.
    if (alloc->getBlock() != first->getBlock() ||
        llvm::any_of(alloc->getOperands(), [&](Value size) {
          return !dominance.properlyDominates(size, first);
        }))
      return false;
    if (!alloc->isBeforeInBlock(first))
      alloc->moveBefore(first);
    return true;
  }
  // Another buffer (an output of the model, ...): none of the operands, and
  // at most the same elements of the epilogue's other inputs.
  Value root = rootOf(d);
  if (!dominance.properlyDominates(d, first) ||
      llvm::any_of(c.op.getDpsInputs(),
                   [&](Value v) { return rootOf(v) == root; }))
    return false;
  for (Value input : epilogue.getDpsInputs())
    if (input != d && input != out && rootOf(input) == root)
      return false;
  return true;
}

struct PrepareTileFusionPass
    : attnc::impl::PrepareTileFusionBase<PrepareTileFusionPass> {
  void runOnOperation() override {
    SmallVector<std::pair<Contraction, linalg::GenericOp>> found;
    getOperation().walk([&](linalg::LinalgOp op) {
      std::optional<Contraction> c = matchContraction(op);
      if (!c || !c->rhsIsPacked)
        return;
      if (linalg::GenericOp epilogue = matchEpilogue(*c))
        found.push_back({*c, epilogue});
    });
    DominanceInfo dominance(getOperation());
    for (auto &[c, epilogue] : found)
      if (prepare(c, epilogue, dominance))
        epilogue->setAttr(kEpilogueAttr, UnitAttr::get(&getContext()));
  }
};

} // namespace
