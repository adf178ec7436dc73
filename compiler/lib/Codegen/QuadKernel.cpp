//===- QuadKernel.cpp - int8 x int8 products of LowerContractions ---------===//
#include "attnc/Codegen/QuadKernel.h"
#include "attnc/Codegen/Contraction.h"
#include "attnc/Dialect/Attn/IR/CodegenHints.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace attnc::codegen {

namespace {
// kQuad (Contraction.h): k values per i32 word, the bytes vpdpbusd
// multiplies and sums per lane.
constexpr int64_t kQuadsPerBlock = kInt8Block / kQuad;
/// The largest |q| of an int8 value of either operand (docs/abi.md).
constexpr int64_t kInt8Max = 127;
/// q_w + kBias is the unsigned byte vpdpbusd reads.
constexpr int64_t kBias = 128;
} // namespace

QuadProducts quadProductsFor(const VectorTarget &target,
                             ArrayRef<std::string> features) {
  auto has = [&](StringRef name) { return llvm::is_contained(features, name); };
  if (target.lanes == 16) {
    if (has("avx512vnni"))
      return QuadProducts::Vnni;
    if (has("avx512bw"))
      return QuadProducts::Madd;
  } else if (target.lanes == 8) {
    if (has("avxvnni") || (has("avx512vnni") && has("avx512vl")))
      return QuadProducts::Vnni;
    if (has("avx2"))
      return QuadProducts::Madd;
  }
  return QuadProducts::Shifts;
}

int64_t QuadKernel::rowTile(const VectorTarget &target) {
  int64_t vectors = VectorTarget::kPanelVectors;
  return std::max<int64_t>(1, (target.registers - vectors - 1) / (2 * vectors));
}

QuadKernel::Scratch QuadKernel::allocScratch(int64_t rows, int64_t depth) {
  int64_t blocks = (depth + kInt8Block - 1) / kInt8Block;
  auto scratch = [&](ArrayRef<int64_t> shape, Type element) -> Value {
    return b.create<memref::AllocaOp>(loc, MemRefType::get(shape, element),
                                      b.getI64IntegerAttr(64));
  };
  return {scratch({rows, blocks * kQuadsPerBlock}, b.getI32Type()),
          unbiased() ? Value() : scratch({rows, blocks}, b.getI32Type()),
          scratch({rows, blocks}, b.getF32Type())};
}

void QuadKernel::quantizeRows(
    Value a, function_ref<SmallVector<Value>(int64_t, Value)> rowAt,
    int64_t rows, int64_t depth, const Scratch &scratch) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto f32s = VectorType::get({lanes}, f32);
  auto i32s = VectorType::get({lanes}, i32);
  auto bytes = VectorType::get({lanes}, b.getI8Type());
  auto words = VectorType::get({lanes / kQuad}, i32);
  auto masks = VectorType::get({lanes}, b.getI1Type());
  int64_t parts = kInt8Block / lanes;
  int64_t blocks = (depth + kInt8Block - 1) / kInt8Block;
  Value zeros = b.create<arith::ConstantOp>(loc, b.getZeroAttr(f32s));
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
  Value limit = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(f32s, b.getF32FloatAttr(kInt8Max)));
  Value negLimit = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(f32s, b.getF32FloatAttr(-kInt8Max)));
  for (int64_t i = 0; i < rows; ++i) {
    auto loop = b.create<scf::ForOp>(loc, index(0), index(blocks), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value block = loop.getInductionVar();
    Value j0 = b.create<arith::MulIOp>(loc, block, index(kInt8Block));
    // The block's lanes, those past `depth` read as zero.
    SmallVector<Value> x;
    Value largest;
    for (int64_t p = 0; p < parts; ++p) {
      Value j = b.create<arith::AddIOp>(loc, j0, index(p * lanes));
      Value mask = b.create<vector::CreateMaskOp>(
          loc, masks, ValueRange{b.create<arith::SubIOp>(loc, index(depth), j)});
      x.push_back(b.create<vector::MaskedLoadOp>(loc, f32s, a, rowAt(i, j),
                                                 mask, zeros));
      Value magnitude = b.create<math::AbsFOp>(loc, x.back());
      largest = largest ? b.create<arith::MaximumFOp>(loc, largest, magnitude)
                              .getResult()
                        : magnitude;
    }
    Value absMax = b.create<vector::ReductionOp>(
        loc, vector::CombiningKind::MAXIMUMF, largest);
    // scale_x = max|x| / 127; q = round-to-nearest-even(x / scale_x),
    // clamped; a zero block has scale 0 and q 0.
    Value scale = b.create<arith::DivFOp>(
        loc, absMax,
        b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(kInt8Max)));
    Value isZero = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ,
                                           scale, zero);
    Value scaleLanes = b.create<vector::BroadcastOp>(loc, f32s, scale);
    Value sum;
    Value row = index(i);
    for (int64_t p = 0; p < parts; ++p) {
      Value q = b.create<math::RoundEvenOp>(
          loc, b.create<arith::DivFOp>(loc, x[p], scaleLanes));
      q = b.create<arith::MinimumFOp>(
          loc, b.create<arith::MaximumFOp>(loc, q, negLimit), limit);
      q = b.create<arith::SelectOp>(loc, isZero, zeros, q);
      Value ints = b.create<arith::FPToSIOp>(loc, i32s, q);
      if (!unbiased()) {
        Value partSum = b.create<vector::ReductionOp>(
            loc, vector::CombiningKind::ADD, ints);
        sum = sum ? b.create<arith::AddIOp>(loc, sum, partSum).getResult()
                  : partSum;
      }
      Value packed = b.create<vector::BitCastOp>(
          loc, words, b.create<arith::TruncIOp>(loc, bytes, ints).getResult());
      Value at = b.create<arith::AddIOp>(
          loc, b.create<arith::MulIOp>(loc, block, index(kQuadsPerBlock)),
          index(p * lanes / kQuad));
      b.create<vector::StoreOp>(loc, packed, scratch.quads,
                                ValueRange{row, at});
    }
    if (sum) {
      Value correction = b.create<arith::MulIOp>(
          loc, sum,
          b.create<arith::ConstantOp>(loc, b.getI32IntegerAttr(kBias)));
      b.create<memref::StoreOp>(loc, correction, scratch.sums,
                                ValueRange{row, block});
    }
    b.create<memref::StoreOp>(loc, scale, scratch.scales,
                              ValueRange{row, block});
  }
}

QuadKernel::Weights QuadKernel::loadWeights(Value panels, ValueRange indices) {
  auto quadBytes = VectorType::get({lanes * kQuad}, b.getI8Type());
  Value raw = b.create<vector::LoadOp>(loc, quadBytes, panels, indices);
  if (unbiased()) {
    // AVX2's vpsignb takes the weights as they are; AVX-512 has no vpsignb:
    // the sign bits as a mask (vpmovb2m), A negated under it.
    Value signs = raw;
    if (lanes == 16)
      signs = b.create<arith::CmpIOp>(
          loc, arith::CmpIPredicate::slt, raw,
          b.create<arith::ConstantOp>(loc, b.getZeroAttr(quadBytes)));
    return {b.create<math::AbsIOp>(loc, raw), signs};
  }
  // q_w + 128: the unsigned operand.
  Value signBits = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(quadBytes, b.getI8IntegerAttr(-128)));
  return {b.create<vector::BitCastOp>(
              loc, VectorType::get({lanes}, b.getI32Type()),
              b.create<arith::XOrIOp>(loc, raw, signBits).getResult()),
          Value()};
}

Value QuadKernel::dotQuads(Value acc, const Weights &weights, Value a) {
  auto intrinsic = [&](Type type, StringRef name, ValueRange operands) {
    return b.create<LLVM::CallIntrinsicOp>(loc, type, name, operands)
        .getResult(0);
  };
  if (dot)
    return intrinsic(acc.getType(),
                     lanes == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                                 : "llvm.x86.avx512.vpdpbusd.256",
                     {acc, weights.bytes, a});
  if (unbiased()) {
    // |q_w| x (q_x with q_w's sign): pairs of products summed to i16 (exact:
    // QuadProducts.h), then pairs of those to i32.
    auto quadBytes = VectorType::get({lanes * kQuad}, b.getI8Type());
    auto pairs = VectorType::get({lanes * 2}, b.getI16Type());
    Value x = b.create<vector::BitCastOp>(loc, quadBytes, a);
    Value signedX =
        lanes == 8
            ? intrinsic(quadBytes, "llvm.x86.avx2.psign.b", {x, weights.signs})
            : b.create<arith::SelectOp>(
                   loc, weights.signs,
                   b.create<arith::SubIOp>(loc,
                                           b.create<arith::ConstantOp>(
                                               loc, b.getZeroAttr(quadBytes)),
                                           x),
                   x)
                  .getResult();
    Value sums = intrinsic(pairs,
                           lanes == 8 ? "llvm.x86.avx2.pmadd.ub.sw"
                                      : "llvm.x86.avx512.pmaddubs.w.512",
                           {weights.bytes, signedX});
    Value ones = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(pairs, b.getI16IntegerAttr(1)));
    Value quads = intrinsic(acc.getType(),
                            lanes == 8 ? "llvm.x86.avx2.pmadd.wd"
                                       : "llvm.x86.avx512.pmaddw.d.512",
                            {sums, ones});
    return b.create<arith::AddIOp>(loc, acc, quads);
  }
  // The same exact sums by i32 arithmetic: byte t of each lane of w
  // (unsigned) times byte t of a (signed).
  Value w = weights.bytes;
  for (int64_t t = 0; t < kQuad; ++t) {
    Value wt = b.create<arith::AndIOp>(
        loc, b.create<arith::ShRUIOp>(loc, w, i32Splat(8 * t)),
        i32Splat(0xff));
    Value at = b.create<arith::ShRSIOp>(
        loc, b.create<arith::ShLIOp>(loc, a, i32Splat(24 - 8 * t)),
        i32Splat(24));
    acc = b.create<arith::AddIOp>(loc, acc,
                                  b.create<arith::MulIOp>(loc, wt, at));
  }
  return acc;
}

scf::ForOp QuadKernel::emitLoop(Value panels, Value rhsScales, Value slot,
                                Value firstBlock, Value endBlock, int64_t depth,
                                const Scratch &scratch, int64_t rows,
                                int64_t vectors, ValueRange acc) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto f32s = VectorType::get({lanes}, f32);
  auto i32s = VectorType::get({lanes}, i32);
  int64_t quads = (depth + kQuad - 1) / kQuad;
  Value zeros = b.create<arith::ConstantOp>(loc, b.getZeroAttr(i32s));
  return b.create<scf::ForOp>(
      loc, firstBlock, endBlock, index(1), acc,
      [&](OpBuilder &nb, Location, Value block, ValueRange current) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value q0 = b.create<arith::MulIOp>(loc, block, index(kQuadsPerBlock));
        Value end = b.create<arith::MinSIOp>(
            loc, b.create<arith::AddIOp>(loc, q0, index(kQuadsPerBlock)),
            index(quads));
        SmallVector<Value> fresh(rows * vectors, zeros);
        auto sums = b.create<scf::ForOp>(
            loc, q0, end, index(1), fresh,
            [&](OpBuilder &ib, Location, Value q, ValueRange partial) {
              OpBuilder::InsertionGuard g(b);
              b.setInsertionPoint(ib.getInsertionBlock(),
                                  ib.getInsertionPoint());
              SmallVector<Weights> panel;
              for (int64_t v = 0; v < vectors; ++v)
                panel.push_back(loadWeights(
                    panels, ValueRange{slot, q, index(v * lanes * kQuad)}));
              SmallVector<Value> next;
              for (int64_t i = 0; i < rows; ++i) {
                Value word = b.create<memref::LoadOp>(loc, scratch.quads,
                                                      ValueRange{index(i), q});
                Value lhs = b.create<vector::BroadcastOp>(loc, i32s, word);
                for (int64_t v = 0; v < vectors; ++v)
                  next.push_back(
                      dotQuads(partial[i * vectors + v], panel[v], lhs));
              }
              b.create<scf::YieldOp>(loc, next);
            });
        // One row (a decode step) streams the panel from memory. Without
        // VNNI each 64 bytes take 4 to 6 times the instructions, so the
        // out-of-order window reaches fewer loads ahead and the loop waited
        // on them (perf: most samples on the loads): prefetch
        // kStreamPrefetchBytes ahead, past the block and into the next
        // panel, both contiguous.
        if (rows == 1 && !dot) {
          int64_t bytesPerQuad = lanes * kQuad * vectors;
          sums->setAttr(kPrefetchAheadAttr,
                        b.getI64IntegerAttr(llvm::divideCeil(
                            kStreamPrefetchBytes, bytesPerQuad)));
        }
        SmallVector<Value> next;
        SmallVector<Value> weightScales;
        for (int64_t v = 0; v < vectors; ++v)
          weightScales.push_back(
              loadScales(b, loc, f32s, rhsScales,
                         ValueRange{slot, block, index(v * lanes)}));
        for (int64_t i = 0; i < rows; ++i) {
          Value row = index(i);
          Value correction;
          if (!unbiased())
            correction = b.create<vector::BroadcastOp>(
                loc, i32s,
                b.create<memref::LoadOp>(loc, scratch.sums,
                                         ValueRange{row, block}));
          Value scale = b.create<vector::BroadcastOp>(
              loc, f32s,
              b.create<memref::LoadOp>(loc, scratch.scales,
                                       ValueRange{row, block}));
          for (int64_t v = 0; v < vectors; ++v) {
            // acc += f32(idot) * (scale_x * scale_w), idot exact in i32 and
            // in f32 (|idot| <= 32 * 127 * 127 < 2^24).
            Value idot = sums.getResult(i * vectors + v);
            if (correction)
              idot = b.create<arith::SubIOp>(loc, idot, correction);
            Value product = b.create<arith::MulFOp>(loc, scale, weightScales[v]);
            next.push_back(b.create<vector::FMAOp>(
                loc, b.create<arith::SIToFPOp>(loc, f32s, idot), product,
                current[i * vectors + v]));
          }
        }
        b.create<scf::YieldOp>(loc, next);
      });
}

} // namespace attnc::codegen
