//===- FlashAttention.cpp - Attention as tiled online softmax -------------===//
//
// softmax(scale * q k^T, causal mask) v without the [Sq, Sk] score matrix:
// every (batch, head, tile of 16 query rows) is one iteration of an
// scf.forall, and walks the keys in blocks of 16, keeping for each query row
// the running maximum m, the running sum l and the unnormalized output
// (the online softmax of FlashAttention):
//
//   s = scale * q k^T over the block (masked: -inf)
//   m' = max(m, max s);  p = exp(s - m');  a = exp(m - m')
//   l = a l + sum p;     o = a o + p v
//   ... and at the end  out = o / l.
//
// The 16 query rows of a tile are the 16 lanes of a vector<16xf32>: q is
// transposed (and scaled) once per tile into a [D][16] scratch, so that the
// scores of one key are D broadcast-FMAs into one vector, and the softmax
// statistics, the masks and the rescaling are all lane-wise (no horizontal
// reduction). The 16 score vectors of a block stay in registers from q k^T
// through p v; o lives in a [Dv][16] scratch. Working memory is O(D) per
// tile, causal tiles stop at the diagonal (key blocks above it are never
// visited), and only keys past the end or above the diagonal are masked.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;

namespace attnc::lowering {

namespace {

/// f32 lanes of one zmm register: query rows per tile.
constexpr int64_t kLanes = 16;
/// Keys per block: as many score vectors stay in registers.
constexpr int64_t kKeyBlock = 16;
/// Output features updated together: independent FMA chains in flight.
constexpr int64_t kFeatureGroup = 8;

class FlashAttentionBuilder {
public:
  FlashAttentionBuilder(OpBuilder &b, Location loc, const AttentionOperands &ops)
      : b(b), loc(loc), q(ops.query), k(ops.key), v(ops.value),
        mask(ops.mask), heads(ops.heads), group(ops.group),
        dqk(ops.queryKeyDim), dv(ops.valueDim),
        scale(ops.scale), causal(ops.causal), mergedOutput(ops.mergedOutput),
        f32(b.getF32Type()), vecType(VectorType::get({kLanes}, f32)),
        maskType(VectorType::get({kLanes}, b.getI1Type())),
        i32VecType(VectorType::get({kLanes}, b.getI32Type())) {}

  Value build();

private:
  Value index(int64_t x) { return b.create<arith::ConstantIndexOp>(loc, x); }
  Value add(Value x, Value y) { return b.create<arith::AddIOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubIOp>(loc, x, y); }
  Value mul(Value x, int64_t y) {
    return b.create<arith::MulIOp>(loc, x, index(y));
  }
  Value min(Value x, Value y) { return b.create<arith::MinSIOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.create<arith::MaxSIOp>(loc, x, y); }
  Value splat(double x) {
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(vecType, b.getF32FloatAttr(x)));
  }
  Value dim(Value t, int64_t d) { return b.create<tensor::DimOp>(loc, t, d); }
  void forLoop(int64_t ub, function_ref<void(Value)> body);
  void forLoop(Value ub, function_ref<void(Value)> body);

  /// qt[d][r] = scale * q[batch, head, q0 + r, d]; rows past the end are 0.
  void loadQueryTile();
  /// One block of keys from j0: updates `ot` and returns the new (m, l).
  /// `fewKeys`: there are fewer keys than one block.
  std::pair<Value, Value> keyBlock(Value j0, Value keysEnd, Value limits,
                                   Value m, Value l, bool fewKeys);
  /// out[q0 + r, d] = ot[d][r] / l[r] for the tile's rows, in `dest`.
  Value storeTile(Value dest, Value l);

  /// t[batch, h, row, d], in either head layout, where h is the tile's
  /// head for queries and its key/value head for keys and values.
  Value element(const HeadLayout &t, Value h, Value row, Value d) {
    SmallVector<Value> at{batch, h, row, d};
    if (t.merged)
      at = {batch, row, add(mul(h, t.headDim()), d)};
    return b.create<tensor::ExtractOp>(loc, t.tensor, at);
  }
  /// Whether the padding mask lets every query see key `row`.
  Value keyAllowed(Value row) {
    Value x = b.create<tensor::ExtractOp>(loc, mask, ValueRange{batch, row});
    Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(x.getType()));
    if (isa<FloatType>(x.getType()))
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x, zero);
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
  }

  OpBuilder &b;
  Location loc;
  HeadLayout q, k, v;
  Value mask;
  int64_t heads, group, dqk, dv;
  double scale;
  bool causal, mergedOutput;
  Type f32;
  VectorType vecType, maskType, i32VecType;
  // The current tile.
  Value batch, head, kvHead, q0, rows, sk, qt, ot;
};

void FlashAttentionBuilder::forLoop(int64_t ub, function_ref<void(Value)> body) {
  forLoop(index(ub), body);
}

void FlashAttentionBuilder::forLoop(Value ub, function_ref<void(Value)> body) {
  auto loop = b.create<scf::ForOp>(loc, index(0), ub, index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVar());
}

void FlashAttentionBuilder::loadQueryTile() {
  Value zeros = splat(0.0);
  forLoop(dqk, [&](Value d) {
    b.create<vector::StoreOp>(loc, zeros, qt, ValueRange{d, index(0)});
  });
  forLoop(dv, [&](Value d) {
    b.create<vector::StoreOp>(loc, zeros, ot, ValueRange{d, index(0)});
  });
  Value factor = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(scale));
  forLoop(rows, [&](Value r) {
    forLoop(dqk, [&](Value d) {
      Value x = element(q, head, add(q0, r), d);
      x = b.create<arith::MulFOp>(loc, x, factor);
      b.create<memref::StoreOp>(loc, x, qt, ValueRange{d, r});
    });
  });
}

std::pair<Value, Value> FlashAttentionBuilder::keyBlock(Value j0,
                                                        Value keysEnd,
                                                        Value limits, Value m,
                                                        Value l,
                                                        bool fewKeys) {
  // The block reads rows first .. first + 15, consecutive so that every key
  // is a constant offset from one address. The last block moves back to
  // stay within the keys (its keys before j0 were seen already and are
  // masked); with fewer than 16 keys in all, rows are clamped instead.
  Value first = j0;
  if (!fewKeys)
    first = min(j0, sub(sk, index(kKeyBlock)));
  SmallVector<Value> keyRows;
  for (int64_t c = 0; c < kKeyBlock; ++c) {
    Value row = add(first, index(c));
    keyRows.push_back(fewKeys ? min(row, sub(sk, index(1))) : row);
  }

  // Scores: one vector (16 query rows) per key, accumulated over d.
  SmallVector<Value> init(kKeyBlock, splat(0.0));
  auto scores = b.create<scf::ForOp>(
      loc, index(0), index(dqk), index(1), init,
      [&](OpBuilder &nb, Location, Value d, ValueRange acc) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value qd = b.create<vector::LoadOp>(loc, vecType, qt,
                                            ValueRange{d, index(0)});
        SmallVector<Value> next;
        for (int64_t c = 0; c < kKeyBlock; ++c) {
          Value x = element(k, kvHead, keyRows[c], d);
          Value kd = b.create<vector::BroadcastOp>(loc, vecType, x);
          next.push_back(b.create<vector::FMAOp>(loc, kd, qd, acc[c]));
        }
        b.create<scf::YieldOp>(loc, next);
      });

  // Masks: keys before j0 or from keysEnd on, and (causal) keys after a
  // row's limit.
  Value negInf = splat(-std::numeric_limits<double>::infinity());
  SmallVector<Value> s;
  for (int64_t c = 0; c < kKeyBlock; ++c) {
    Value j = add(first, index(c));
    Value inBlock = b.create<arith::AndIOp>(
        loc,
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, j, j0),
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, j, keysEnd));
    if (mask)
      inBlock = b.create<arith::AndIOp>(loc, inBlock, keyAllowed(keyRows[c]));
    Value keep = inBlock;
    if (causal) {
      Value j32 = b.create<arith::IndexCastOp>(loc, b.getI32Type(), j);
      Value js = b.create<vector::BroadcastOp>(loc, i32VecType, j32);
      Value visible = b.create<arith::CmpIOp>(
          loc, arith::CmpIPredicate::sle, js, limits);
      Value inBlockVec = b.create<vector::BroadcastOp>(loc, maskType, inBlock);
      keep = b.create<arith::AndIOp>(loc, visible, inBlockVec);
    }
    s.push_back(b.create<arith::SelectOp>(loc, keep, scores.getResult(c),
                                          negInf));
  }

  // Online softmax, lane by lane. A row that has seen no key yet keeps
  // m = -inf; subtracting 0 instead keeps exp() away from NaN.
  Value blockMax = s.front();
  for (int64_t c = 1; c < kKeyBlock; ++c)
    blockMax = b.create<arith::MaximumFOp>(loc, blockMax, s[c]);
  Value newMax = b.create<arith::MaximumFOp>(loc, m, blockMax);
  Value empty = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, newMax,
                                        negInf);
  Value shift = b.create<arith::SelectOp>(loc, empty, splat(0.0), newMax);
  Value alpha = b.create<math::ExpOp>(
      loc, b.create<arith::SubFOp>(loc, m, shift));
  SmallVector<Value> p;
  Value sum;
  for (int64_t c = 0; c < kKeyBlock; ++c) {
    p.push_back(b.create<math::ExpOp>(
        loc, b.create<arith::SubFOp>(loc, s[c], shift)));
    sum = c ? b.create<arith::AddFOp>(loc, sum, p.back()) : p.back();
  }
  Value newSum = b.create<vector::FMAOp>(loc, l, alpha, sum);

  // o = alpha o + p v, a group of output features at a time: each feature
  // is a chain of 16 dependent FMAs, and a group keeps enough chains in
  // flight to hide the FMA latency.
  auto updateFeatures = [&](Value d0, int64_t count) {
    SmallVector<Value> o, ds;
    for (int64_t f = 0; f < count; ++f) {
      ds.push_back(add(d0, index(f)));
      Value x = b.create<vector::LoadOp>(loc, vecType, ot,
                                         ValueRange{ds[f], index(0)});
      o.push_back(b.create<arith::MulFOp>(loc, x, alpha));
    }
    for (int64_t c = 0; c < kKeyBlock; ++c)
      for (int64_t f = 0; f < count; ++f) {
        Value x = element(v, kvHead, keyRows[c], ds[f]);
        Value vd = b.create<vector::BroadcastOp>(loc, vecType, x);
        o[f] = b.create<vector::FMAOp>(loc, vd, p[c], o[f]);
      }
    for (int64_t f = 0; f < count; ++f)
      b.create<vector::StoreOp>(loc, o[f], ot, ValueRange{ds[f], index(0)});
  };
  int64_t grouped = dv / kFeatureGroup * kFeatureGroup;
  if (grouped) {
    auto loop = b.create<scf::ForOp>(loc, index(0), index(grouped),
                                     index(kFeatureGroup));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    updateFeatures(loop.getInductionVar(), kFeatureGroup);
  }
  if (dv > grouped)
    updateFeatures(index(grouped), dv - grouped);
  return {newMax, newSum};
}

Value FlashAttentionBuilder::storeTile(Value dest, Value l) {
  Value inverse = b.create<arith::DivFOp>(loc, splat(1.0), l);
  forLoop(dv, [&](Value d) {
    Value o = b.create<vector::LoadOp>(loc, vecType, ot, ValueRange{d, index(0)});
    o = b.create<arith::MulFOp>(loc, o, inverse);
    b.create<vector::StoreOp>(loc, o, ot, ValueRange{d, index(0)});
  });
  auto rowLoop = b.create<scf::ForOp>(
      loc, index(0), rows, index(1), ValueRange{dest},
      [&](OpBuilder &nb, Location, Value r, ValueRange tile) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto featureLoop = b.create<scf::ForOp>(
            loc, index(0), index(dv), index(1), tile,
            [&](OpBuilder &fb, Location, Value d, ValueRange row) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(fb.getInsertionBlock(),
                                  fb.getInsertionPoint());
              Value x = b.create<memref::LoadOp>(loc, ot, ValueRange{d, r});
              Value next = b.create<tensor::InsertOp>(loc, x, row.front(),
                                                      ValueRange{r, d});
              b.create<scf::YieldOp>(loc, next);
            });
        b.create<scf::YieldOp>(loc, featureLoop.getResults());
      });
  return rowLoop.getResult(0);
}

Value FlashAttentionBuilder::build() {
  Value batches = dim(q.tensor, 0), sq = dim(q.tensor, q.merged ? 1 : 2);
  sk = dim(k.tensor, k.merged ? 1 : 2);
  Value tiles = b.create<arith::CeilDivUIOp>(loc, sq, index(kLanes));
  SmallVector<OpFoldResult> outSizes{batches, b.getIndexAttr(heads), sq,
                                     b.getIndexAttr(dv)};
  if (mergedOutput)
    outSizes = {batches, sq, b.getIndexAttr(heads * dv)};
  Value init = emptyTensor(b, loc, outSizes);

  auto forall = b.create<scf::ForallOp>(
      loc,
      SmallVector<OpFoldResult>{batches, b.getIndexAttr(heads), tiles},
      ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value out = forall.getRegionIterArgs().front();
  batch = ivs[0];
  head = ivs[1];
  kvHead = group == 1 ? head
                      : b.create<arith::DivUIOp>(loc, head, index(group));
  q0 = mul(ivs[2], kLanes);
  rows = min(index(kLanes), sub(sq, q0));

  auto scratch = [&](int64_t d) {
    return b.create<memref::AllocaOp>(
        loc, MemRefType::get({d, kLanes}, f32), b.getI64IntegerAttr(64));
  };
  qt = scratch(dqk);
  ot = scratch(dv);
  loadQueryTile();

  // Row r of the tile sees keys j <= q0 + r + (sk - sq).
  Value firstLimit = add(q0, sub(sk, sq));
  Value keysEnd = sk, limits;
  if (causal) {
    keysEnd = max(index(0), min(sk, add(firstLimit, rows)));
    SmallVector<int32_t> lanes;
    for (int32_t i = 0; i < kLanes; ++i)
      lanes.push_back(i);
    Value iota = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(i32VecType, ArrayRef<int32_t>(lanes)));
    Value first = b.create<arith::IndexCastOp>(loc, b.getI32Type(), firstLimit);
    limits = b.create<arith::AddIOp>(
        loc, iota, b.create<vector::BroadcastOp>(loc, i32VecType, first));
  }

  Value negInf = splat(-std::numeric_limits<double>::infinity());
  auto keyLoop = [&](bool fewKeys) {
    return b
        .create<scf::ForOp>(
            loc, index(0), keysEnd, index(kKeyBlock),
            ValueRange{negInf, splat(0.0)},
            [&](OpBuilder &nb, Location, Value j0, ValueRange state) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(nb.getInsertionBlock(),
                                  nb.getInsertionPoint());
              auto [m, l] =
                  keyBlock(j0, keysEnd, limits, state[0], state[1], fewKeys);
              b.create<scf::YieldOp>(loc, ValueRange{m, l});
            })
        .getResults();
  };
  Value enoughKeys = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge,
                                             sk, index(kKeyBlock));
  auto blocks = b.create<scf::IfOp>(
      loc, enoughKeys,
      [&](OpBuilder &nb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        b.create<scf::YieldOp>(loc, keyLoop(false));
      },
      [&](OpBuilder &nb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        b.create<scf::YieldOp>(loc, keyLoop(true));
      });

  OpFoldResult one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets{batch, head, q0, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{one, one, rows, b.getIndexAttr(dv)};
  if (mergedOutput) {
    offsets = {batch, q0, mul(head, dv)};
    sizes = {one, rows, b.getIndexAttr(dv)};
  }
  SmallVector<OpFoldResult> strides(offsets.size(), one);
  auto tileType = RankedTensorType::get({ShapedType::kDynamic, dv}, f32);
  Value dest = b.create<tensor::ExtractSliceOp>(loc, tileType, out, offsets,
                                                sizes, strides);
  Value tile = storeTile(dest, blocks.getResult(1));

  b.setInsertionPointToEnd(forall.getTerminator().getBody());
  b.create<tensor::ParallelInsertSliceOp>(loc, tile, out, offsets, sizes,
                                          strides);
  return forall.getResult(0);
}

} // namespace

int64_t HeadLayout::headDim() const {
  return cast<RankedTensorType>(tensor.getType()).getShape().back() /
         (merged ? heads : 1);
}

Value buildFlashAttention(OpBuilder &b, Location loc,
                          const AttentionOperands &operands) {
  return FlashAttentionBuilder(b, loc, operands).build();
}

} // namespace attnc::lowering
