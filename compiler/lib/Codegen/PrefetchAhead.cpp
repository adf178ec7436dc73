//===- PrefetchAhead.cpp - Prefetch what a later iteration reads ----------===//
//
// A loop marked attn.prefetch_ahead = N (CodegenHints.h) gets, at the top of
// its body, one memref.prefetch per cache line that the vector reads of its
// first stream (the memref the body reads first) touch: the address such a
// read has at iteration i + N. The reads' index computations are
// cloned with the induction variable advanced (pure ops only: a read whose
// indices need anything else is left alone). Addresses past the data are
// harmless: a prefetch never faults.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"
#include "attnc/Dialect/Attn/IR/CodegenHints.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <set>
#include <vector>

namespace attnc {
#define GEN_PASS_DEF_PREFETCHAHEAD
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

/// Bytes of the cache lines a prefetch brings in (x86).
constexpr int64_t kCacheLine = 64;

/// Clones what `value` depends on inside `loop` at the builder's point, with
/// the induction variable mapped in `ahead`; null if that needs an op with
/// side effects or regions.
Value cloneAhead(Value value, scf::ForOp loop, IRMapping &ahead, OpBuilder &b) {
  if (Value mapped = ahead.lookupOrNull(value))
    return mapped;
  Operation *def = value.getDefiningOp();
  if (!def) // a block argument: the induction variable is mapped already
    return loop.getBody()->getParent()->isAncestor(value.getParentRegion())
               ? Value()
               : value;
  if (!loop->isProperAncestor(def))
    return value;
  if (def->getNumRegions() || !isMemoryEffectFree(def))
    return Value();
  for (Value operand : def->getOperands())
    if (!cloneAhead(operand, loop, ahead, b))
      return Value();
  Operation *clone = b.clone(*def, ahead);
  return clone->getResult(cast<OpResult>(value).getResultNumber());
}

struct PrefetchAheadPass : attnc::impl::PrefetchAheadBase<PrefetchAheadPass> {
  void runOnOperation() override {
    getOperation()->walk([&](scf::ForOp loop) {
      auto ahead = loop->getAttrOfType<IntegerAttr>(attnc::kPrefetchAheadAttr);
      if (!ahead)
        return;
      loop->removeAttr(attnc::kPrefetchAheadAttr);
      prefetch(loop, ahead.getInt());
    });
  }

  void prefetch(scf::ForOp loop, int64_t iterations) {
    SmallVector<std::pair<Value, ValueRange>> reads;
    loop.getBody()->walk([&](Operation *op) {
      if (auto read = dyn_cast<vector::TransferReadOp>(op)) {
        if (isa<MemRefType>(read.getSource().getType()))
          reads.push_back({read.getSource(), read.getIndices()});
      } else if (auto load = dyn_cast<vector::LoadOp>(op)) {
        reads.push_back({load.getBase(), load.getIndices()});
      }
    });
    if (reads.empty())
      return;
    Location loc = loop.getLoc();
    OpBuilder b(loop.getBody(), loop.getBody()->begin());
    Value distance = b.create<arith::MulIOp>(
        loc, loop.getStep(), b.create<arith::ConstantIndexOp>(loc, iterations));
    IRMapping ahead;
    ahead.map(loop.getInductionVar(),
              b.create<arith::AddIOp>(loc, loop.getInductionVar(), distance));
    // Reads of one row (the same outer indices) at constant offsets within
    // one cache line share its prefetch: 32-byte vectors (AVX2's f32, f16
    // rows) would otherwise prefetch every line twice.
    std::set<std::pair<std::vector<const void *>, int64_t>> lines;
    for (auto [memref, indices] : reads) {
      if (memref != reads.front().first)
        continue;
      std::optional<int64_t> last = getConstantIntValue(indices.back());
      unsigned bits =
          cast<MemRefType>(memref.getType()).getElementTypeBitWidth();
      if (last && bits % 8 == 0) {
        std::vector<const void *> row{memref.getAsOpaquePointer()};
        for (Value index : indices.drop_back())
          row.push_back(index.getAsOpaquePointer());
        if (!lines.insert({row, *last * (bits / 8) / kCacheLine}).second)
          continue;
      }
      Value base = cloneAhead(memref, loop, ahead, b);
      SmallVector<Value> at;
      for (Value index : indices)
        at.push_back(cloneAhead(index, loop, ahead, b));
      if (!base || llvm::is_contained(at, Value()))
        continue;
      b.create<memref::PrefetchOp>(loc, base, at, /*isWrite=*/false,
                                   /*localityHint=*/3, /*isDataCache=*/true);
    }
  }
};

} // namespace
