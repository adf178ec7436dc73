//===- ScopeLoopAllocas.cpp - Free a loop body's stack every iteration ----===//
//
// scf.for, scf.while and scf.parallel are automatic allocation scopes in
// MLIR (the canonicalizer hoists memref.alloca_scope away inside them), but
// convert-scf-to-cf lowers a memref.alloca in a loop body to an llvm.alloca
// that is never freed until the function returns: a kernel's 384 KiB scratch
// inside a 12-layer loop overflows the stack. Wrapping such a body in
// memref.alloca_scope (stacksave / stackrestore) makes the lowering keep the
// promise.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include "llvm/ADT/SetVector.h"

namespace attnc {
#define GEN_PASS_DEF_SCOPELOOPALLOCAS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

/// The loop body that `alloca` executes in at every iteration, if any
/// (none when a function, alloca_scope or OpenMP region comes first).
Block *enclosingLoopBody(memref::AllocaOp alloca) {
  for (Block *block = alloca->getBlock(); block;) {
    Operation *parent = block->getParentOp();
    if (!parent || isa<FunctionOpInterface, memref::AllocaScopeOp>(parent) ||
        parent->getDialect()->getNamespace() == "omp")
      return nullptr;
    if (isa<scf::ForOp, scf::WhileOp, scf::ParallelOp>(parent))
      return block;
    block = parent->getBlock();
  }
  return nullptr;
}

/// Moves everything but the terminator of `body` into an alloca_scope whose
/// results are the values the terminator needs from inside.
void wrapInScope(Block *body) {
  Operation *terminator = body->getTerminator();
  SmallVector<Value> escaping;
  for (Value v : terminator->getOperands())
    if (Operation *def = v.getDefiningOp(); def && def->getBlock() == body)
      escaping.push_back(v);
  OpBuilder b(terminator);
  auto scope = b.create<memref::AllocaScopeOp>(
      terminator->getLoc(), ValueRange(escaping).getTypes());
  Block *inner = b.createBlock(&scope.getBodyRegion());
  inner->getOperations().splice(inner->end(), body->getOperations(),
                                body->begin(), Block::iterator(scope));
  b.setInsertionPointToEnd(inner);
  b.create<memref::AllocaScopeReturnOp>(terminator->getLoc(), escaping);
  for (auto [v, result] : llvm::zip(escaping, scope.getResults()))
    v.replaceUsesWithIf(result, [&](OpOperand &use) {
      return use.getOwner() == terminator;
    });
}

struct ScopeLoopAllocasPass
    : attnc::impl::ScopeLoopAllocasBase<ScopeLoopAllocasPass> {
  void runOnOperation() override {
    llvm::SetVector<Block *> bodies;
    getOperation()->walk([&](memref::AllocaOp alloca) {
      if (Block *body = enclosingLoopBody(alloca))
        bodies.insert(body);
    });
    for (Block *body : bodies)
      wrapInScope(body);
  }
};

} // namespace
