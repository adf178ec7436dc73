//===- ShareKernels.cpp - One function for kernels repeated op for op -----===//
//
// A decoder's step function repeats most of the forward function's kernels:
// the same omp.parallel, op for op, over buffers of the same types. Each
// such kernel is outlined into a candidate function (constants cloned in,
// every other value from outside an argument); candidates whose bodies are
// equivalent become one function that every copy calls, so that LLVM
// optimizes and generates the kernel once (docs/passes.md, "Compile time").
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/SetVector.h"

namespace attnc {
#define GEN_PASS_DEF_SHAREKERNELS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

/// A kernel as a function of what it uses from outside.
struct Candidate {
  omp::ParallelOp kernel;
  SmallVector<Value> arguments;
  func::FuncOp function;
};

bool isClonedConstant(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->hasTrait<OpTrait::ConstantLike>() &&
         !def->hasAttr(attnc::kPerCallConstantAttr);
}

/// The kernel as a private function (not yet used) placed before `at`.
Candidate outline(omp::ParallelOp kernel, OpBuilder &b, func::FuncOp at,
                  StringRef name) {
  llvm::SetVector<Value> used;
  kernel->walk([&](Operation *op) {
    for (Value v : op->getOperands())
      if (!kernel->isAncestor(v.getParentRegion()->getParentOp()))
        used.insert(v);
  });
  Candidate c{kernel, {}, nullptr};
  SmallVector<Value> constants;
  for (Value v : used)
    (isClonedConstant(v) ? constants : c.arguments).push_back(v);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(at);
  Location loc = kernel.getLoc();
  c.function = b.create<func::FuncOp>(
      loc, name,
      b.getFunctionType(ValueRange(c.arguments).getTypes(), TypeRange()));
  c.function.setPrivate();
  Block *body = c.function.addEntryBlock();
  b.setInsertionPointToStart(body);
  IRMapping mapping;
  mapping.map(c.arguments, body->getArguments());
  for (Value v : constants)
    mapping.map(v, b.clone(*v.getDefiningOp())->getResult(
                       cast<OpResult>(v).getResultNumber()));
  b.clone(*kernel, mapping);
  b.create<func::ReturnOp>(loc);
  return c;
}

bool sameKernel(func::FuncOp a, func::FuncOp b) {
  return a.getFunctionType() == b.getFunctionType() &&
         OperationEquivalence::isRegionEquivalentTo(
             &a.getBody(), &b.getBody(),
             OperationEquivalence::IgnoreLocations);
}

struct ShareKernelsPass : attnc::impl::ShareKernelsBase<ShareKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<omp::ParallelOp> kernels;
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp fn : functions)
      fn.walk([&](omp::ParallelOp p) {
        if (!p->getParentOfType<omp::ParallelOp>())
          kernels.push_back(p);
      });
    if (kernels.size() < 2)
      return;

    OpBuilder b(&getContext());
    func::FuncOp first = functions.front();
    SmallVector<Candidate> candidates;
    for (auto [i, kernel] : llvm::enumerate(kernels))
      candidates.push_back(
          outline(kernel, b, first, ("attnc_kernel_candidate_" + Twine(i)).str()));

    // Group equivalent candidates; the number of ops is a cheap first test.
    SmallVector<int64_t> size;
    for (Candidate &c : candidates) {
      int64_t n = 0;
      c.function.walk([&](Operation *) { ++n; });
      size.push_back(n);
    }
    SmallVector<int64_t> group(candidates.size(), -1);
    int64_t shared = 0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (group[i] >= 0)
        continue;
      for (size_t j = i + 1; j < candidates.size(); ++j)
        if (group[j] < 0 && size[i] == size[j] &&
            sameKernel(candidates[i].function, candidates[j].function))
          group[j] = group[i] = static_cast<int64_t>(i);
    }

    for (size_t i = 0; i < candidates.size(); ++i) {
      Candidate &c = candidates[i];
      if (group[i] != static_cast<int64_t>(i))
        continue;
      // The group's first candidate is the shared function.
      c.function.setSymName(("attnc_kernel_" + Twine(shared++)).str());
      // Never inlined: inlined back, each copy would be optimized again.
      c.function->setAttr("passthrough",
                          b.getArrayAttr({b.getStringAttr("noinline")}));
      for (size_t j = i; j < candidates.size(); ++j) {
        if (group[j] != static_cast<int64_t>(i))
          continue;
        b.setInsertionPoint(candidates[j].kernel);
        b.create<func::CallOp>(candidates[j].kernel.getLoc(), c.function,
                               candidates[j].arguments);
        candidates[j].kernel.erase();
      }
    }
    for (size_t i = 0; i < candidates.size(); ++i)
      if (group[i] != static_cast<int64_t>(i))
        candidates[i].function.erase();
  }
};

} // namespace
