//===- BufferLiveness.cpp - When a buffer may be accessed -----------------===//
#include "attnc/Analysis/BufferLiveness.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace attnc;

BufferLiveness::BufferLiveness(Operation *root) {
  int64_t next = 0;
  root->walk<WalkOrder::PreOrder>([&](Operation *op) { index[op] = next++; });
  // Post-order: children are done before their parent.
  root->walk<WalkOrder::PostOrder>([&](Operation *op) {
    int64_t last = index[op];
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (Operation &child : block)
          last = std::max(last, end[&child]);
    end[op] = last;
  });
}

/// Regions that run at most once each time their op runs.
static bool runsOnce(Operation *op) {
  return isa<scf::IfOp, scf::ExecuteRegionOp>(op);
}

int64_t BufferLiveness::usePoint(Operation *user, Region *scope) const {
  int64_t point = endOf(user);
  for (Region *region = user->getParentRegion(); region && region != scope;
       region = region->getParentOp()->getParentRegion()) {
    Operation *parent = region->getParentOp();
    if (!runsOnce(parent))
      point = std::max(point, endOf(parent));
  }
  return point;
}

static Region *scopeOf(Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    return arg.getOwner()->getParent();
  return value.getDefiningOp()->getParentRegion();
}

/// Ops that turn a buffer into something the analysis cannot follow.
static bool leaksAddress(Operation *op) {
  return isa<memref::ExtractAlignedPointerAsIndexOp, UnrealizedConversionCastOp,
             memref::DeallocOp, func::ReturnOp, CallOpInterface>(op) ||
         isa<LLVM::LLVMDialect>(op->getDialect());
}

BufferLiveness::Uses BufferLiveness::collectUses(Value root,
                                                 Operation *boundary) const {
  Uses uses;
  llvm::SetVector<Value> aliases;
  aliases.insert(root);
  for (size_t i = 0; i < aliases.size() && !uses.escapes; ++i) {
    Value value = aliases[i];
    Region *scope = scopeOf(value);
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      uses.last = std::max(uses.last, usePoint(user, scope));
      if (leaksAddress(user)) {
        uses.escapes = true;
        break;
      }
      if (isa<scf::YieldOp>(user)) {
        Operation *parent = user->getParentOp();
        unsigned k = use.getOperandNumber();
        if (auto loop = dyn_cast<scf::ForOp>(parent)) {
          if (parent == boundary) {
            uses.reachesBoundary = true;
            continue;
          }
          uses.yieldedTo.push_back({loop, k});
          aliases.insert(loop.getRegionIterArgs()[k]);
          aliases.insert(loop.getResult(k));
        } else if (isa<scf::IfOp>(parent)) {
          aliases.insert(parent->getResult(k));
        } else {
          uses.escapes = true;
          break;
        }
        continue;
      }
      if (auto loop = dyn_cast<scf::ForOp>(user)) {
        // An initial value of a loop-carried buffer.
        if (use.getOperandNumber() < loop.getNumControlOperands()) {
          uses.escapes = true;
          break;
        }
        unsigned k = use.getOperandNumber() - loop.getNumControlOperands();
        aliases.insert(loop.getRegionIterArgs()[k]);
        aliases.insert(loop.getResult(k));
        continue;
      }
      if (isa<RegionBranchOpInterface>(user)) {
        // Other control flow could pass the buffer into its regions.
        bool passesMemrefs =
            llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>);
        for (Region &region : user->getRegions())
          for (Block &block : region)
            passesMemrefs |= llvm::any_of(block.getArgumentTypes(),
                                          llvm::IsaPred<BaseMemRefType>);
        if (passesMemrefs) {
          uses.escapes = true;
          break;
        }
      }
      if (user->hasTrait<OpTrait::IsTerminator>() &&
          !isa<scf::YieldOp>(user)) {
        uses.escapes = true;
        break;
      }
      for (Value result : user->getResults()) {
        if (isa<BaseMemRefType>(result.getType()))
          aliases.insert(result); // a view, conservatively
        else if (isa<TensorType>(result.getType()))
          uses.escapes = true; // bufferization.to_tensor and the like
      }
    }
  }
  return uses;
}

std::optional<Lifetime>
BufferLiveness::lifetimeOf(memref::AllocOp alloc) const {
  Uses uses = collectUses(alloc.getResult(), nullptr);
  if (uses.escapes)
    return std::nullopt;
  Lifetime lifetime;
  lifetime.begin = indexOf(alloc);
  lifetime.end = std::max(indexOf(alloc), uses.last);
  for (auto [loop, k] : uses.yieldedTo) {
    if (!loop->isProperAncestor(alloc))
      continue;
    lifetime.begin = std::min(lifetime.begin, indexOf(loop));
    // The next iteration reads this buffer through its iter_arg and
    // allocates its own: at the same offset if every read comes first.
    Uses previous = collectUses(loop.getRegionIterArgs()[k], loop);
    if (previous.escapes)
      return std::nullopt;
    if (previous.last < indexOf(alloc))
      continue;
    // Else in two copies, one per iteration parity; which needs the loop to
    // be the innermost around the alloc, and the previous iteration's
    // buffer never to be passed on (two iterations later it is reused).
    if (lifetime.doubleBufferedIn || previous.reachesBoundary ||
        alloc->getParentOfType<scf::ForOp>() != loop)
      return std::nullopt;
    lifetime.doubleBufferedIn = loop;
  }
  return lifetime;
}
