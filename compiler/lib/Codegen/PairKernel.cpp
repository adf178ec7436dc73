//===- PairKernel.cpp - bf16 pair products of LowerContractions -----------===//
#include "attnc/Codegen/PairKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace attnc::codegen {

namespace {
/// vdpbf16ps on 16 lanes: f32 accumulators plus the products of 32 bf16
/// pairs.
constexpr llvm::StringLiteral kDotIntrinsic =
    "llvm.x86.avx512bf16.dpbf16ps.512";
/// vcvtneps2bf16 on 16 lanes. Called by name: arith.truncf to bf16 becomes
/// integer ops (arith-expand), which keep subnormals that this instruction,
/// like vdpbf16ps, treats as zero: the products are the same, in one
/// instruction.
constexpr llvm::StringLiteral kRoundIntrinsic =
    "llvm.x86.avx512bf16.cvtneps2bf16.512";
} // namespace

MemRefType PairKernel::scratchType(int64_t rows, int64_t depth) const {
  if (dot)
    return MemRefType::get({rows, depth / 2}, b.getI32Type());
  return MemRefType::get({rows, depth}, b.getF32Type());
}

Value PairKernel::roundInF32(Value x) {
  auto ints = VectorType::get({lanes}, b.getI32Type());
  Value u = b.create<arith::BitcastOp>(loc, ints, x);
  // Round half to even on the 16 bits dropped: add 0x7fff plus the lowest
  // kept bit, then clear them.
  Value lsb = b.create<arith::AndIOp>(
      loc, b.create<arith::ShRUIOp>(loc, u, i32Splat(16)), i32Splat(1));
  Value sum = b.create<arith::AddIOp>(
      loc, b.create<arith::AddIOp>(loc, u, i32Splat(0x7fff)), lsb);
  Value rounded = b.create<arith::AndIOp>(loc, sum, i32Splat(-65536));
  Value nan =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, x, x);
  return b.create<arith::BitcastOp>(
      loc, x.getType(),
      b.create<arith::SelectOp>(loc, nan, u, rounded).getResult());
}

void PairKernel::roundRows(
    Value a, function_ref<SmallVector<Value>(int64_t, Value)> rowAt,
    int64_t rows, Value kc, Value scratch) {
  auto f32s = VectorType::get({lanes}, b.getF32Type());
  auto masks = VectorType::get({lanes}, b.getI1Type());
  Value zeros = b.create<arith::ConstantOp>(loc, b.getZeroAttr(f32s));
  for (int64_t i = 0; i < rows; ++i) {
    auto loop = b.create<scf::ForOp>(loc, index(0), kc, index(lanes));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value j = loop.getInductionVar();
    // Lanes past kc read as zero: the pad of an odd kc's last pair.
    Value mask = b.create<vector::CreateMaskOp>(
        loc, masks, ValueRange{b.create<arith::SubIOp>(loc, kc, j)});
    Value x = b.create<vector::MaskedLoadOp>(loc, f32s, a, rowAt(i, j), mask,
                                             zeros);
    Value row = index(i);
    if (dot) {
      assert(lanes == 16 && "AVX512_BF16 rounds 16 lanes");
      Value halves = b.create<LLVM::CallIntrinsicOp>(
                          loc, Type(VectorType::get({lanes}, b.getBF16Type())),
                          StringRef(kRoundIntrinsic), ValueRange{x})
                         .getResult(0);
      Value pairs = b.create<vector::BitCastOp>(
          loc, VectorType::get({lanes / 2}, b.getI32Type()), halves);
      Value at = b.create<arith::DivUIOp>(loc, j, index(2));
      b.create<vector::StoreOp>(loc, pairs, scratch, ValueRange{row, at});
    } else {
      b.create<vector::StoreOp>(loc, roundInF32(x), scratch,
                                ValueRange{row, j});
    }
  }
}

SmallVector<Value> PairKernel::step(Value panels, Value slot, Value pairRow,
                                    Value q, Value scratch, int64_t rows,
                                    int64_t vectors, ValueRange acc) {
  auto f32s = VectorType::get({lanes}, b.getF32Type());
  auto ints = VectorType::get({lanes}, b.getI32Type());
  auto pairType = VectorType::get({2 * lanes}, b.getBF16Type());
  SmallVector<Value> panel;
  for (int64_t v = 0; v < vectors; ++v)
    panel.push_back(b.create<vector::LoadOp>(
        loc, pairType, panels, ValueRange{slot, pairRow, index(v * 2 * lanes)}));
  SmallVector<Value> next;
  if (dot) {
    for (int64_t i = 0; i < rows; ++i) {
      // (a[2q], a[2q+1]) in every 32-bit lane.
      Value word = b.create<memref::LoadOp>(loc, scratch,
                                            ValueRange{index(i), q});
      Value pair = b.create<vector::BitCastOp>(
          loc, pairType,
          b.create<vector::BroadcastOp>(loc, ints, word).getResult());
      for (int64_t v = 0; v < vectors; ++v)
        next.push_back(
            b.create<LLVM::CallIntrinsicOp>(
                 loc, Type(f32s), StringRef(kDotIntrinsic),
                 ValueRange{acc[i * vectors + v], pair, panel[v]})
                .getResult(0));
    }
    return next;
  }
  // Lane n of a pair register holds b[2q][n] in its low half and b[2q+1][n]
  // in its high half: bf16 is the high half of an f32.
  SmallVector<Value> even, odd;
  for (Value p : panel) {
    Value words = b.create<vector::BitCastOp>(loc, ints, p);
    even.push_back(b.create<arith::BitcastOp>(
        loc, f32s,
        b.create<arith::ShLIOp>(loc, words, i32Splat(16)).getResult()));
    odd.push_back(b.create<arith::BitcastOp>(
        loc, f32s,
        b.create<arith::AndIOp>(loc, words, i32Splat(-65536)).getResult()));
  }
  Value k0 = b.create<arith::MulIOp>(loc, q, index(2));
  Value k1 = b.create<arith::AddIOp>(loc, k0, index(1));
  for (int64_t i = 0; i < rows; ++i) {
    Value a0 = b.create<vector::BroadcastOp>(
        loc, f32s,
        b.create<memref::LoadOp>(loc, scratch, ValueRange{index(i), k0}));
    Value a1 = b.create<vector::BroadcastOp>(
        loc, f32s,
        b.create<memref::LoadOp>(loc, scratch, ValueRange{index(i), k1}));
    for (int64_t v = 0; v < vectors; ++v) {
      Value sum =
          b.create<vector::FMAOp>(loc, a0, even[v], acc[i * vectors + v]);
      next.push_back(b.create<vector::FMAOp>(loc, a1, odd[v], sum));
    }
  }
  return next;
}

scf::ForOp PairKernel::emitLoop(Value panels, Value slot, Value pair0,
                                Value kc, Value scratch, int64_t rows,
                                int64_t vectors, ValueRange acc) {
  Value pairs = b.create<arith::CeilDivUIOp>(loc, kc, index(2));
  return b.create<scf::ForOp>(
      loc, index(0), pairs, index(1), acc,
      [&](OpBuilder &nb, Location, Value q, ValueRange current) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value pairRow = b.create<arith::AddIOp>(loc, pair0, q);
        b.create<scf::YieldOp>(loc, step(panels, slot, pairRow, q, scratch,
                                         rows, vectors, current));
      });
}

} // namespace attnc::codegen
