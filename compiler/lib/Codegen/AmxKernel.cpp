//===- AmxKernel.cpp - bf16 pair products on AMX tiles --------------------===//
#include "attnc/Codegen/AmxKernel.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace attnc::codegen {

bool AmxKernel::usesAmx(const VectorTarget &target,
                        llvm::ArrayRef<std::string> features, int64_t depth) {
  // A panel is three 16-lane vectors: three tiles of 16 f32 columns.
  return target.lanes == 16 && llvm::is_contained(features, "amx-tile") &&
         llvm::is_contained(features, "amx-bf16") && depth > 0 &&
         depth % kDepth == 0;
}

MemRefType AmxKernel::accumulatorType(int64_t panelWidth) const {
  return MemRefType::get({kRows, panelWidth}, b.getF32Type());
}

void AmxKernel::emitStart(Value acc, ValueRange start, int64_t vectors) {
  Value zero = index(0);
  auto isZero = [](Value x) {
    if (auto splat = x.getDefiningOp<vector::BroadcastOp>())
      x = splat.getSource();
    return matchPattern(x, m_AnyZeroFloat());
  };
  if (llvm::all_of(start, isZero)) {
    auto cTile = VectorType::get({kRows, 16}, b.getF32Type());
    for (int64_t v = 0; v < vectors; ++v)
      b.create<amx::TileStoreOp>(loc, acc, ValueRange{zero, index(16 * v)},
                                 b.create<amx::TileZeroOp>(loc, cTile));
    return;
  }
  for (int64_t i = 0; i < kRows; ++i)
    for (int64_t v = 0; v < vectors; ++v)
      b.create<vector::StoreOp>(loc, start[i * vectors + v], acc,
                                ValueRange{index(i), index(16 * v)});
}

void AmxKernel::emitSteps(Value acc, Value rounded, Value panels, Value slot,
                          Value pair0, Value k0, int64_t steps,
                          int64_t vectors) {
  auto cTile = VectorType::get({kRows, 16}, b.getF32Type());
  auto bf16Tile = VectorType::get({kRows, kDepth}, b.getBF16Type());
  Value zero = index(0);
  SmallVector<Value> c;
  for (int64_t v = 0; v < vectors; ++v)
    c.push_back(b.create<amx::TileLoadOp>(loc, cTile, acc,
                                          ValueRange{zero, index(16 * v)}));
  for (int64_t s = 0; s < steps; ++s) {
    Value k = b.create<arith::AddIOp>(loc, k0, index(s * kDepth));
    Value a = b.create<amx::TileLoadOp>(loc, bf16Tile, rounded,
                                        ValueRange{zero, k});
    Value pairRow = b.create<arith::AddIOp>(
        loc, pair0, b.create<arith::DivUIOp>(loc, k, index(2)));
    for (int64_t v = 0; v < vectors; ++v) {
      Value panel = b.create<amx::TileLoadOp>(
          loc, bf16Tile, panels, ValueRange{slot, pairRow, index(32 * v)});
      c[v] = b.create<amx::TileMulFOp>(loc, cTile, a, panel, c[v]);
    }
  }
  for (int64_t v = 0; v < vectors; ++v)
    b.create<amx::TileStoreOp>(loc, acc, ValueRange{zero, index(16 * v)},
                               c[v]);
}

void AmxKernel::emitProduct(Value acc, Value rounded, Value panels,
                            Value slot, Value pair0, Value kc,
                            int64_t vectors) {
  constexpr int64_t kChunk = kDepth * kStepsPerChunk;
  Value chunked = b.create<arith::MulIOp>(
      loc, b.create<arith::DivUIOp>(loc, kc, index(kChunk)), index(kChunk));
  auto loop = [&](Value lb, Value ub, int64_t step, int64_t steps) {
    b.create<scf::ForOp>(loc, lb, ub, index(step), ValueRange{},
                         [&](OpBuilder &nb, Location, Value k, ValueRange) {
                           OpBuilder::InsertionGuard guard(b);
                           b.setInsertionPoint(nb.getInsertionBlock(),
                                               nb.getInsertionPoint());
                           emitSteps(acc, rounded, panels, slot, pair0, k,
                                     steps, vectors);
                           b.create<scf::YieldOp>(loc);
                         });
  };
  loop(index(0), chunked, kChunk, kStepsPerChunk);
  loop(chunked, kc, kDepth, 1);
}

} // namespace attnc::codegen
