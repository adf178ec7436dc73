//===- TileFusion.cpp - Elementwise ops computed on a kernel's C tile -----===//
#include "attnc/Codegen/TileFusion.h"
#include "attnc/Codegen/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace attnc::codegen {

namespace {

/// Reads and writes no memory (an alloc only reserves it).
bool touchesNoMemory(Operation *op) {
  return isMemoryEffectFree(op) || isa<memref::AllocOp>(op);
}

/// `op` is all parallel over exactly C's indices, writes its one f32 output
/// at them without reading it, and computes its value with arith and math
/// ops from f32 inputs each indexed by C's indices with n (the last one)
/// innermost or absent; every value it captures is available at `c.op`.
/// `skip`: an input not checked (C itself, for an epilogue).
bool isTileElementwise(Contraction c, linalg::GenericOp op,
                       std::optional<unsigned> skip) {
  auto out = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  unsigned rank = cast<MemRefType>(c.op.getDpsInits()[0].getType()).getRank();
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || !out ||
      !out.getElementType().isF32() || out.getRank() != rank ||
      op.getNumLoops() != rank ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getIndexingMapsArray().back().isIdentity() ||
      !hasUnitInnerStride(op.getDpsInits()[0]))
    return false;
  Block &body = op->getRegion(0).front();
  if (!body.getArguments().back().use_empty())
    return false;
  for (auto [i, input] : llvm::enumerate(op.getDpsInputs())) {
    if (skip && i == *skip)
      continue;
    auto type = dyn_cast<MemRefType>(input.getType());
    AffineMap map = op.getIndexingMapsArray()[i];
    if (!type || !type.getElementType().isF32() ||
        !map.isProjectedPermutation())
      return false;
    if (map.isFunctionOfDim(rank - 1) &&
        (map.getResults().back() != getAffineDimExpr(rank - 1, op.getContext()) ||
         !hasUnitInnerStride(input)))
      return false;
  }
  DominanceInfo dominance;
  for (Operation &inner : body.without_terminator()) {
    if (!isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()) ||
        inner.getNumRegions() != 0 || inner.getNumResults() != 1 ||
        isa<VectorType, ShapedType>(inner.getResult(0).getType()))
      return false;
    for (Value operand : inner.getOperands())
      if (operand.getParentBlock() != &body &&
          !dominance.properlyDominates(operand, c.op))
        return false;
  }
  return true;
}

} // namespace

linalg::LinalgOp matchInit(Contraction c) {
  Value out = c.op.getDpsInits()[0];
  Operation *prev = c.op->getPrevNode();
  while (prev && touchesNoMemory(prev))
    prev = prev->getPrevNode();
  if (!prev)
    return nullptr;
  if (auto fill = dyn_cast<linalg::FillOp>(prev))
    return fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == out &&
                   fill.getDpsInputs()[0].getType().isF32()
               ? fill
               : nullptr;
  auto generic = dyn_cast<linalg::GenericOp>(prev);
  if (!generic || generic.getDpsInits()[0] != out ||
      !isTileElementwise(c, generic, std::nullopt) ||
      llvm::is_contained(generic.getDpsInputs(), out))
    return nullptr;
  return generic;
}

unsigned epilogueInputOfC(Contraction c, linalg::GenericOp epilogue) {
  for (auto [i, input] : llvm::enumerate(epilogue.getDpsInputs()))
    if (input == c.op.getDpsInits()[0])
      return i;
  return epilogue.getNumDpsInputs();
}

linalg::GenericOp matchEpilogue(Contraction c) {
  Operation *next = c.op->getNextNode();
  while (next && touchesNoMemory(next))
    next = next->getNextNode();
  auto generic = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!generic)
    return nullptr;
  Value out = c.op.getDpsInits()[0];
  unsigned cInput = epilogueInputOfC(c, generic);
  // C read once, at its own index; the output another buffer.
  if (cInput == generic.getNumDpsInputs() ||
      llvm::count(generic.getDpsInputs(), out) != 1 ||
      !generic.getIndexingMapsArray()[cInput].isIdentity() ||
      generic.getDpsInits()[0] == out ||
      !isTileElementwise(c, generic, cInput))
    return nullptr;
  // The inputs must exist where the kernel is emitted (at c.op); the
  // output is the caller's to check.
  DominanceInfo dominance;
  for (Value input : generic.getDpsInputs())
    if (!dominance.properlyDominates(input, c.op))
      return nullptr;
  return generic;
}

} // namespace attnc::codegen
