//===- FlashAttention.cpp - Attention as tiled online softmax -------------===//
//
// softmax(scale * q k^T, masks) v without the [Sq, Sk] score matrix: every
// (batch, head, tile of 48 query rows) is one iteration of an scf.forall,
// and walks the keys in blocks of 8, keeping for each query row the running
// maximum m, the running sum l and the unnormalized output (the online
// softmax of FlashAttention):
//
//   s = scale * q k^T over the block (masked: -inf; padding: lowest float)
//   m' = max(m, max s);  p = exp(s - m');  a = exp(m - m')
//   l = a l + sum p;     o = a o + p v
//   ... and at the end  out = o / l.
//
// The query rows of a tile are the lanes of three vector<16xf32>: q is
// transposed (and scaled) once per tile into a [D][48] scratch, so that the
// scores of one key are D broadcast-FMAs into three vectors, and the softmax
// statistics, the masks and the rescaling are all lane-wise (no horizontal
// reduction). A block's 24 score vectors stay in registers from q k^T
// through p v; o lives in a [Dv][48] scratch. Each key row loaded from
// memory serves 48 query rows, a third of the traffic of streaming the keys
// and values again for every 16-row tile. Working memory is O(D) per tile,
// causal tiles stop at the diagonal (key blocks above it are never
// visited; with a window, neither are blocks wholly before the first row's
// window), and only keys past the end, above the diagonal, outside a row's
// window or dropped by the padding mask are masked; ALiBi's bias enters
// with the masks (AttentionKernelBuilder::visibleScore). Up to 16 queries take the split-KV decode form
// of FlashDecoding.cpp instead.
//
//===----------------------------------------------------------------------===//
#include "AttentionKernelBuilder.h"
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <limits>

using namespace mlir;

namespace attnc::lowering {

namespace {

/// Query rows per tile, in vectors: each key's scores are this many vectors,
/// and every key row loaded serves that many query rows.
constexpr int64_t kRowVectors = 3;
/// Up to this many queries (decoding), the split-KV form: row tiles would
/// leave most lanes idle and give too few parallel iterations.
constexpr int64_t kDecodeMaxQueries = 16;
// Vectors are one register of the module's target (VectorTarget.h) wide,
// and a block holds registers / 4 keys: their keyBlock * kRowVectors score
// vectors stay in registers (24 of AVX-512's 32, 12 of AVX2's 16), with the
// broadcast key and the query vectors.
/// Output features updated together, so that 6 to 8 independent FMA chains
/// (features x row vectors) are in flight.
constexpr int64_t kFeatureChains = 8;

/// One value per row vector of the tile.
using Rows = SmallVector<Value, kRowVectors>;

class FlashAttentionBuilder : AttentionKernelBuilder {
public:
  FlashAttentionBuilder(OpBuilder &b, Location loc,
                        const AttentionOperands &ops)
      : AttentionKernelBuilder(b, loc, ops),
        kLanes(getVectorTarget(b.getInsertionBlock()->getParentOp()).lanes),
        kKeyBlock(
            getVectorTarget(b.getInsertionBlock()->getParentOp()).registers /
            4),
        vecType(VectorType::get({kLanes}, f32)),
        maskType(VectorType::get({kLanes}, b.getI1Type())),
        i32VecType(VectorType::get({kLanes}, b.getI32Type())) {}

  Value build();

private:
  /// The forall over (batch, head, tile of rowVectors * kLanes query rows)
  /// that computes all of `out`.
  Value buildTiles(Value out, Value batches, Value tiles);
  int64_t tileRows() const { return rowVectors * kLanes; }
  int64_t featureGroup() const {
    return std::max<int64_t>(1, kFeatureChains / rowVectors);
  }

  Value mul(Value x, int64_t y) {
    return b.create<arith::MulIOp>(loc, x, index(y));
  }
  Value splat(double x) {
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(vecType, b.getF32FloatAttr(x)));
  }
  void forLoop(int64_t ub, function_ref<void(Value)> body);
  void forLoop(Value ub, function_ref<void(Value)> body);
  /// Row vector `rv` of line `d` of a [D][48] scratch.
  Value loadRows(Value scratch, Value d, int64_t rv) {
    return b.create<vector::LoadOp>(loc, vecType, scratch,
                                    ValueRange{d, index(rv * kLanes)});
  }
  void storeRows(Value x, Value scratch, Value d, int64_t rv) {
    b.create<vector::StoreOp>(loc, x, scratch,
                              ValueRange{d, index(rv * kLanes)});
  }

  /// qt[d][r] = scale * q[batch, head, q0 + r, d]; rows past the end are 0.
  void loadQueryTile();
  /// One block of keys from j0: updates `ot` and the running (m, l).
  /// `fewKeys`: there are fewer keys than one block. Its steps follow.
  void keyBlock(Value j0, Value keysEnd, const Rows &limits, Rows &m, Rows &l,
                bool fewKeys);
  /// The key rows the block reads; `first` is set to the first.
  SmallVector<Value> blockKeyRows(Value j0, bool fewKeys, Value &first);
  /// q k^T over the block: rowVectors score vectors per key.
  scf::ForOp blockScores(ArrayRef<Value> keyRows);
  /// The scores with the visibility rule applied: masked ones -inf.
  SmallVector<Rows> visibleScores(ValueRange scores, Value first, Value j0,
                                  Value keysEnd, ArrayRef<Value> keyRows,
                                  const Rows &limits, Value negInf);
  /// The online softmax over the block: updates (m, l), sets p per key and
  /// returns the rescaling alpha per row vector.
  Rows softmaxStep(ArrayRef<Rows> s, Value negInf, Rows &m, Rows &l,
                   SmallVector<Rows> &p);
  /// o = alpha o + p v in the `ot` scratch.
  void accumulateValues(ArrayRef<Value> keyRows, ArrayRef<Rows> p,
                        const Rows &alpha);
  /// out[q0 + r, d] = ot[d][r] / l[r] for the tile's rows, in `dest`.
  Value storeTile(Value dest, const Rows &l);

  /// f32 lanes of one vector register; keys per block.
  const int64_t kLanes, kKeyBlock;
  VectorType vecType, maskType, i32VecType;
  const int64_t rowVectors = kRowVectors;
  /// Whether the tiles compute anything (null: always). A parallel loop
  /// never gets zero iterations: libomp's static schedule divides by zero.
  Value active;
  // The current tile: its first query row, row count, q^T and o scratch.
  Value q0, rows, qt, ot;
};

void FlashAttentionBuilder::forLoop(int64_t ub,
                                   function_ref<void(Value)> body) {
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
    for (int64_t rv = 0; rv < rowVectors; ++rv)
      storeRows(zeros, qt, d, rv);
  });
  forLoop(dv, [&](Value d) {
    for (int64_t rv = 0; rv < rowVectors; ++rv)
      storeRows(zeros, ot, d, rv);
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

SmallVector<Value> FlashAttentionBuilder::blockKeyRows(Value j0, bool fewKeys,
                                                       Value &first) {
  // The block reads rows first .. first + kKeyBlock - 1, consecutive so
  // that every key is a constant offset from one address. The last block
  // moves back to stay within the keys (its keys before j0 were seen already
  // and are masked); with fewer keys than a block in all, rows are clamped.
  first = j0;
  if (!fewKeys)
    first = min(j0, sub(sk, index(kKeyBlock)));
  SmallVector<Value> keyRows;
  for (int64_t c = 0; c < kKeyBlock; ++c) {
    Value row = add(first, index(c));
    keyRows.push_back(fewKeys ? min(row, sub(sk, index(1))) : row);
  }
  return keyRows;
}

scf::ForOp FlashAttentionBuilder::blockScores(ArrayRef<Value> keyRows) {
  SmallVector<Value> init(kKeyBlock * rowVectors, splat(0.0));
  return b.create<scf::ForOp>(
      loc, index(0), index(dqk), index(1), init,
      [&](OpBuilder &nb, Location, Value d, ValueRange acc) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Rows qd;
        for (int64_t rv = 0; rv < rowVectors; ++rv)
          qd.push_back(loadRows(qt, d, rv));
        SmallVector<Value> next;
        for (int64_t c = 0; c < kKeyBlock; ++c) {
          Value x = element(k, kvHead, keyRows[c], d);
          Value kd = b.create<vector::BroadcastOp>(loc, vecType, x);
          for (int64_t rv = 0; rv < rowVectors; ++rv)
            next.push_back(b.create<vector::FMAOp>(
                loc, kd, qd[rv], acc[c * rowVectors + rv]));
        }
        b.create<scf::YieldOp>(loc, next);
      });
}

SmallVector<Rows> FlashAttentionBuilder::visibleScores(
    ValueRange scores, Value first, Value j0, Value keysEnd,
    ArrayRef<Value> keyRows, const Rows &limits, Value negInf) {
  // Keys before j0 or from keysEnd on and (causal) keys after a row's limit
  // are -inf; keys the padding mask drops score the lowest finite float, as
  // Hugging Face's additive mask makes them, so that a row of only padding
  // averages its keys instead of dividing 0 by 0.
  Value lowest = splat(visibility::kPaddedScore);
  SmallVector<Rows> s(kKeyBlock);
  for (int64_t c = 0; c < kKeyBlock; ++c) {
    Value j = add(first, index(c));
    Value inBlock = b.create<arith::AndIOp>(
        loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, j, j0),
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, j, keysEnd));
    Value allowed = mask ? keyAllowed(keyRows[c]) : Value();
    Value js, inBlockVec;
    if (causal) {
      Value j32 = b.create<arith::IndexCastOp>(loc, b.getI32Type(), j);
      js = b.create<vector::BroadcastOp>(loc, i32VecType, j32);
      inBlockVec = b.create<vector::BroadcastOp>(loc, maskType, inBlock);
    }
    for (int64_t rv = 0; rv < rowVectors; ++rv) {
      Value keep = inBlock;
      if (causal)
        keep = b.create<arith::AndIOp>(
            loc,
            b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, js,
                                    limits[rv]),
            inBlockVec);
      Value score = scores[c * rowVectors + rv];
      if (allowed)
        score = b.create<arith::SelectOp>(loc, allowed, score, lowest);
      score = visibleScore(score, limits.empty() ? Value() : limits[rv], j);
      s[c].push_back(b.create<arith::SelectOp>(loc, keep, score, negInf));
    }
  }
  return s;
}

Rows FlashAttentionBuilder::softmaxStep(ArrayRef<Rows> s, Value negInf,
                                        Rows &m, Rows &l,
                                        SmallVector<Rows> &p) {
  // Lane by lane. A row that has seen no key yet keeps m = -inf;
  // subtracting 0 instead keeps exp() away from NaN.
  p.assign(kKeyBlock, Rows());
  Rows alpha;
  for (int64_t rv = 0; rv < rowVectors; ++rv) {
    Value blockMax = s[0][rv];
    for (int64_t c = 1; c < kKeyBlock; ++c)
      blockMax = b.create<arith::MaximumFOp>(loc, blockMax, s[c][rv]);
    Value newMax = b.create<arith::MaximumFOp>(loc, m[rv], blockMax);
    Value empty = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ,
                                          newMax, negInf);
    Value shift = b.create<arith::SelectOp>(loc, empty, splat(0.0), newMax);
    alpha.push_back(b.create<math::ExpOp>(
        loc, b.create<arith::SubFOp>(loc, m[rv], shift)));
    Value sum;
    for (int64_t c = 0; c < kKeyBlock; ++c) {
      p[c].push_back(b.create<math::ExpOp>(
          loc, b.create<arith::SubFOp>(loc, s[c][rv], shift)));
      sum = c ? b.create<arith::AddFOp>(loc, sum, p[c][rv]) : p[c][rv];
    }
    l[rv] = b.create<vector::FMAOp>(loc, l[rv], alpha[rv], sum);
    m[rv] = newMax;
  }
  return alpha;
}

void FlashAttentionBuilder::accumulateValues(ArrayRef<Value> keyRows,
                                             ArrayRef<Rows> p,
                                             const Rows &alpha) {
  // A group of output features at a time: each (feature, row vector) is a
  // chain of kKeyBlock dependent FMAs, and a group keeps enough chains in
  // flight to hide the FMA latency.
  auto updateFeatures = [&](Value d0, int64_t count) {
    SmallVector<Value> ds;
    SmallVector<Rows> o(count);
    for (int64_t f = 0; f < count; ++f) {
      ds.push_back(add(d0, index(f)));
      for (int64_t rv = 0; rv < rowVectors; ++rv)
        o[f].push_back(b.create<arith::MulFOp>(loc, loadRows(ot, ds[f], rv),
                                               alpha[rv]));
    }
    for (int64_t c = 0; c < kKeyBlock; ++c)
      for (int64_t f = 0; f < count; ++f) {
        Value x = element(v, kvHead, keyRows[c], ds[f]);
        Value vd = b.create<vector::BroadcastOp>(loc, vecType, x);
        for (int64_t rv = 0; rv < rowVectors; ++rv)
          o[f][rv] = b.create<vector::FMAOp>(loc, vd, p[c][rv], o[f][rv]);
      }
    for (int64_t f = 0; f < count; ++f)
      for (int64_t rv = 0; rv < rowVectors; ++rv)
        storeRows(o[f][rv], ot, ds[f], rv);
  };
  int64_t grouped = dv / featureGroup() * featureGroup();
  if (grouped) {
    auto loop = b.create<scf::ForOp>(loc, index(0), index(grouped),
                                     index(featureGroup()));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    updateFeatures(loop.getInductionVar(), featureGroup());
  }
  if (dv > grouped)
    updateFeatures(index(grouped), dv - grouped);
}

void FlashAttentionBuilder::keyBlock(Value j0, Value keysEnd,
                                     const Rows &limits, Rows &m, Rows &l,
                                     bool fewKeys) {
  Value first;
  SmallVector<Value> keyRows = blockKeyRows(j0, fewKeys, first);
  scf::ForOp scores = blockScores(keyRows);
  Value negInf = splat(-std::numeric_limits<double>::infinity());
  SmallVector<Rows> s = visibleScores(scores.getResults(), first, j0, keysEnd,
                                      keyRows, limits, negInf);
  SmallVector<Rows> p;
  Rows alpha = softmaxStep(s, negInf, m, l, p);
  accumulateValues(keyRows, p, alpha);
}

Value FlashAttentionBuilder::storeTile(Value dest, const Rows &l) {
  Rows inverse;
  for (Value x : l)
    inverse.push_back(b.create<arith::DivFOp>(loc, splat(1.0), x));
  forLoop(dv, [&](Value d) {
    for (int64_t rv = 0; rv < rowVectors; ++rv)
      storeRows(b.create<arith::MulFOp>(loc, loadRows(ot, d, rv), inverse[rv]),
                ot, d, rv);
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
  Value batches = dim(q.tensor, 0);
  sq = queryCount();
  sk = keyCount();
  SmallVector<OpFoldResult> outSizes{batches, b.getIndexAttr(heads), sq,
                                     b.getIndexAttr(dv)};
  if (mergedOutput)
    outSizes = {batches, sq, b.getIndexAttr(heads * dv)};
  Value init = emptyTensor(b, loc, outSizes);

  // Few queries (decoding) take the split-KV form of FlashDecoding.cpp,
  // chosen statically when the query length is known. Otherwise both forms
  // are built one after the other on the same destination, the one not
  // taken with no iterations: an scf.if yielding the tensor would bufferize
  // to a fully dynamic layout, which later loads could only gather from.
  auto queryType = cast<RankedTensorType>(q.tensor.getType());
  int64_t staticQueries = queryType.getDimSize(q.merged ? 1 : 2);
  if (!ShapedType::isDynamic(staticQueries)) {
    if (staticQueries <= kDecodeMaxQueries)
      return buildFlashDecoding(b, loc, ops, init, nullptr, staticQueries);
    return buildTiles(init, batches,
                      b.create<arith::CeilDivUIOp>(loc, sq, index(tileRows())));
  }
  Value decode = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, sq,
                                         index(kDecodeMaxQueries));
  Value decoded =
      buildFlashDecoding(b, loc, ops, init, decode, kDecodeMaxQueries);
  active = b.create<arith::XOrIOp>(
      loc, decode, b.create<arith::ConstantIntOp>(loc, 1, 1));
  Value tiles = b.create<arith::SelectOp>(
      loc, decode, index(1),
      b.create<arith::CeilDivUIOp>(loc, sq, index(tileRows())));
  return buildTiles(decoded, batches, tiles);
}

Value FlashAttentionBuilder::buildTiles(Value init, Value batches,
                                        Value tiles) {
  // Where the decode form stands in, one empty iteration per batch, not one
  // per head: each iteration clears its query and output tiles (24 KB at
  // d = 64), which cost a decode step of GPT-2 3.5 MB of stores.
  OpFoldResult headCount = b.getIndexAttr(heads);
  if (active)
    headCount = b.create<arith::SelectOp>(loc, active, index(heads), index(1))
                    .getResult();
  auto forall = b.create<scf::ForallOp>(
      loc, SmallVector<OpFoldResult>{batches, headCount, tiles},
      ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value out = forall.getRegionIterArgs().front();
  batch = ivs[0];
  setHead(ivs[1]);
  // Causal tiles see more keys the later they are. Each thread runs one
  // contiguous range of iterations (attnc-schedule-parallel-loops), so
  // they are visited first, last, second, second to last, ...: any two
  // consecutive iterations cost about the same as any other two.
  Value tileIndex = ivs[2];
  if (causal) {
    Value half = b.create<arith::DivUIOp>(loc, tileIndex, index(2));
    Value odd = b.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::ne,
        b.create<arith::RemUIOp>(loc, tileIndex, index(2)), index(0));
    tileIndex = b.create<arith::SelectOp>(
        loc, odd, sub(sub(tiles, index(1)), half), half);
  }
  q0 = mul(tileIndex, tileRows());
  rows = min(index(tileRows()), sub(sq, q0));
  if (active)
    rows = b.create<arith::SelectOp>(loc, active, rows, index(0));

  auto scratch = [&](int64_t d) {
    return b.create<memref::AllocaOp>(
        loc, MemRefType::get({d, tileRows()}, f32), b.getI64IntegerAttr(64));
  };
  qt = scratch(dqk);
  ot = scratch(dv);
  loadQueryTile();

  // Row r of the tile sees keys j <= lastKey(q0 + r) = firstLimit + r.
  Value firstLimit = lastKey(q0, keyOffset());
  Value keysEnd = sk;
  Rows limits;
  if (causal) {
    keysEnd = max(index(0), min(sk, add(firstLimit, rows)));
    Value first = b.create<arith::IndexCastOp>(loc, b.getI32Type(), firstLimit);
    Value firsts = b.create<vector::BroadcastOp>(loc, i32VecType, first);
    for (int64_t rv = 0; rv < rowVectors; ++rv) {
      SmallVector<int32_t> lanes;
      for (int32_t i = 0; i < kLanes; ++i)
        lanes.push_back(rv * kLanes + i);
      Value iota = b.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(i32VecType, ArrayRef<int32_t>(lanes)));
      limits.push_back(lastKey(iota, firsts));
    }
  }
  // With a window, blocks wholly before the first row's window are skipped.
  Value keysBegin = firstVisibleKey(firstLimit);
  // A tile the split-KV decode form stands in for visits no key.
  if (active)
    keysEnd = b.create<arith::SelectOp>(loc, active, keysEnd, index(0));

  Value negInf = splat(-std::numeric_limits<double>::infinity());
  SmallVector<Value> initState(rowVectors, negInf);
  initState.append(rowVectors, splat(0.0));
  auto keyLoop = [&](bool fewKeys) {
    return b
        .create<scf::ForOp>(
            loc, keysBegin, keysEnd, index(kKeyBlock), initState,
            [&](OpBuilder &nb, Location, Value j0, ValueRange state) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(nb.getInsertionBlock(),
                                  nb.getInsertionPoint());
              Rows m(state.take_front(rowVectors)),
                  l(state.drop_front(rowVectors));
              keyBlock(j0, keysEnd, limits, m, l, fewKeys);
              SmallVector<Value> next(m.begin(), m.end());
              next.append(l.begin(), l.end());
              b.create<scf::YieldOp>(loc, next);
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
  Rows l(blocks.getResults().drop_front(rowVectors));
  Value tile = storeTile(dest, l);

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
