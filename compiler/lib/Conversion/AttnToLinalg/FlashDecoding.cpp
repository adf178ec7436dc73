//===- FlashDecoding.cpp - Attention of few queries over a long KV range --===//
//
// The decode form of flash attention. With one new token (or a few) the
// row tiles of FlashAttention.cpp leave most lanes idle and give one
// parallel iteration per (batch, head): a step with 12 heads keeps 2 cores
// busy for a while but scales no further, and each iteration walks the whole
// cache. Here the keys are split into chunks instead:
//
//   1. an scf.forall over (batch, head, chunk) computes, for every query
//      row, the partial softmax state of its chunk: the maximum m, the sum
//      l = sum exp(s - m) and the unnormalized o = sum exp(s - m) v;
//   2. an scf.forall over (batch, head) merges the chunks in order:
//      M = max m_c, w_c = exp(m_c - M), out = sum w_c o_c / sum w_c l_c.
//
// The chunk size depends only on the number of keys (at most kMaxChunks
// chunks of at least kMinChunk keys), never on the thread count, and the
// merge is sequential: results are bit-identical for any thread count.
// Within a chunk a query row is a few vectors of its head dimension, read
// as vectors; the row's (m, l, o) goes straight into the partials. Per
// block of 16 keys each key row gives a vector of products with the query,
// shuffles and adds sum each vector's lanes into one vector of 16 scores
// (sumEach), and o += p v reads value rows as vectors; both stream the cache
// contiguously. Only the last block, where the keys do not fill it, clamps
// its rows and masks its keys: the full blocks address every row from one
// base, which keeps the loop's registers free of per-key row offsets, and
// take a padding mask and ALiBi's biases as vectors. Keys and values of a
// bf16 or f16 cache (attnc-kv-cache cache-type) are widened as they are
// read; a bf16 row of twice the lanes is one read whose even and odd
// features become two f32 vectors (a shift and a mask), the query shuffled
// and the output stored in that order.
//
//===----------------------------------------------------------------------===//
#include "AttentionKernelBuilder.h"
#include "attnc/Dialect/Attn/IR/CodegenHints.h"
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;

namespace attnc::lowering {

namespace {

/// Chunks per (batch, head): bounds the partial results' memory.
constexpr int64_t kMaxChunks = 16;
/// Keys per chunk at least: below that, merging costs more than it saves.
constexpr int64_t kMinChunk = 64;
/// Keys per block: their scores are one vector, for one exp and one max.
constexpr int64_t kKeyBlock = 16;
/// Blocks ahead of the one it computes whose key rows a full block
/// prefetches (attnc-prefetch-ahead): a step's cache comes from memory and
/// the loop waited on it. One block of keys was the fastest of 1 to 8
/// blocks of keys, values or both (docs/passes.md).
constexpr int64_t kPrefetchBlocks = 1;
static_assert((kKeyBlock & (kKeyBlock - 1)) == 0,
              "sumEach halves the block's vectors level by level");

/// The widest vector of at most `lanes` f32 lanes that divides `dim`.
int64_t vectorWidth(int64_t dim, int64_t lanes) {
  int64_t width = lanes;
  while (dim % width)
    width /= 2;
  return width;
}

/// The f32 lanes of the target (VectorTarget.h) of the code `b` builds.
int64_t lanesAt(OpBuilder &b) {
  return getVectorTarget(b.getInsertionBlock()->getParentOp()).lanes;
}

/// Whether rows of `t` (bf16, `dim` features) read as pairs of vectors of
/// `width` (FlashDecodingBuilder::rowVectors).
bool pairable(const HeadLayout &t, int64_t dim, int64_t width) {
  return getElementTypeOrSelf(t.tensor).isBF16() && dim % (2 * width) == 0;
}

/// The feature in lane `lane` of vector `n` of a row read by rowVectors.
int64_t featureOf(int64_t n, int64_t lane, int64_t width, bool paired) {
  if (!paired)
    return n * width + lane;
  return 2 * width * (n / 2) + 2 * lane + n % 2;
}

class FlashDecodingBuilder : AttentionKernelBuilder {
public:
  FlashDecodingBuilder(OpBuilder &b, Location loc, const AttentionOperands &ops,
                       int64_t maxQueries)
      : AttentionKernelBuilder(b, loc, ops), maxQueries(maxQueries),
        qkWidth(vectorWidth(dqk, lanesAt(b))),
        vWidth(vectorWidth(dv, lanesAt(b))),
        pairedKeys(pairable(ops.key, dqk, qkWidth)),
        pairedValues(pairable(ops.value, dv, vWidth)),
        blockType(VectorType::get({kKeyBlock}, f32)) {}

  Value build(Value out, Value enabled);

private:
  Value mul(Value x, Value y) { return b.create<arith::MulIOp>(loc, x, y); }
  Value constant(double x) {
    return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(x));
  }
  Value splat(VectorType type, double x) {
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(type, b.getF32FloatAttr(x)));
  }
  /// scf.for from `lb` (0 if omitted) to `ub` carrying `init`; `body`
  /// returns the next values.
  ValueRange loop(Value lb, Value ub, ValueRange init,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body);
  ValueRange loop(Value ub, ValueRange init,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return loop(index(0), ub, init, body);
  }
  /// Row `row`, features d0 .. d0 + width - 1 of head `h` of `t`, as f32.
  Value readRow(const HeadLayout &t, Value h, Value row, int64_t d0,
                int64_t width);
  /// Row `row` of head `h` of `t` (`dim` features) as f32 vectors of
  /// `width`: features in order, or `paired` (a bf16 row), each 2 * width
  /// features one load whose even features make one vector and odd ones
  /// the next (a shift and a mask, where widening in order takes a
  /// zero-extension and a shift per vector).
  SmallVector<Value> rowVectors(const HeadLayout &t, Value h, Value row,
                                int64_t dim, int64_t width, bool paired);

  /// The forall of partial results, [B, H, kMaxChunks, maxQueries, 2 + Dv].
  Value buildPartials(Value batches, Value chunks, Value chunkSize);
  /// Whether the padding mask lets the keys first .. first + kKeyBlock - 1
  /// be seen (keyAllowed, for a block's vector).
  Value keysAllowed(Value first);
  /// The largest lane of `x` (a vector of f32), NaN lanes ignored.
  Value maxOfLanes(Value x);
  /// Per vector partial(c) for the keys c of [first, first + count) (a
  /// power of two, vectors of one width), the sum of its lanes: lane c of
  /// the result is key first + c's.
  Value sumEach(function_ref<Value(int64_t)> partial, int64_t first,
                int64_t count);
  /// The scaled query row `r` of the current head, as vectors of qkWidth in
  /// the lane order of the key rows (rowVectors).
  SmallVector<Value> queryVectors(Value r);
  /// The partial state (m, l, o) of query row `r` over keys [j0, j1),
  /// written into row r of `tile` ([rows, 2 + dv]); the new tile.
  Value chunkRow(Value r, Value j0, Value j1, Value tile);
  /// The forall that merges the partials into `out`.
  Value buildMerge(Value out, Value batches, Value chunks, Value partials);

  int64_t maxQueries;
  int64_t qkWidth, vWidth;
  /// Keys (values) read from a bf16 cache two vectors at a time
  /// (rowVectors): even and odd features apart.
  bool pairedKeys, pairedValues;
  VectorType blockType;
  /// Query rows computed: sq, or 0 when disabled.
  Value queries;
};

ValueRange FlashDecodingBuilder::loop(
    Value lb, Value ub, ValueRange init,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto forOp = b.create<scf::ForOp>(
      loc, lb, ub, index(1), init,
      [&](OpBuilder &nb, Location, Value i, ValueRange state) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        b.create<scf::YieldOp>(loc, body(i, state));
      });
  return forOp.getResults();
}

Value FlashDecodingBuilder::readRow(const HeadLayout &t, Value h, Value row,
                                    int64_t d0, int64_t width) {
  // One vector load where the buffer's last stride is 1 (else lane by lane,
  // the pipeline's vector-to-scf); a bf16/f16 cache's row widened after it.
  Type element = getElementTypeOrSelf(t.tensor);
  Value read = b.create<vector::TransferReadOp>(
      loc, VectorType::get({width}, element), t.tensor,
      elementIndices(t, h, row, index(d0)),
      b.create<arith::ConstantOp>(loc, b.getZeroAttr(element)),
      ArrayRef<bool>{true});
  if (element == f32)
    return read;
  return b.create<arith::ExtFOp>(loc, VectorType::get({width}, f32), read);
}

SmallVector<Value> FlashDecodingBuilder::rowVectors(const HeadLayout &t,
                                                    Value h, Value row,
                                                    int64_t dim, int64_t width,
                                                    bool paired) {
  SmallVector<Value> vectors;
  if (!paired) {
    for (int64_t d0 = 0; d0 < dim; d0 += width)
      vectors.push_back(readRow(t, h, row, d0, width));
    return vectors;
  }
  // Little-endian words of two bf16: the even feature in the low half, the
  // odd one in the high half; a bf16 in the high half of a word, the rest
  // zero, is that value as f32.
  Type bf16 = b.getBF16Type(), i32 = b.getI32Type();
  auto words = VectorType::get({width}, i32);
  auto splatWord = [&](int32_t x) -> Value {
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(words, b.getI32IntegerAttr(x)));
  };
  Value sixteen = splatWord(16),
        high = splatWord(static_cast<int32_t>(0xFFFF0000u));
  auto f32s = VectorType::get({width}, f32);
  for (int64_t d0 = 0; d0 < dim; d0 += 2 * width) {
    Value pair = b.create<vector::TransferReadOp>(
        loc, VectorType::get({2 * width}, bf16), t.tensor,
        elementIndices(t, h, row, index(d0)),
        b.create<arith::ConstantOp>(loc, b.getZeroAttr(bf16)),
        ArrayRef<bool>{true});
    Value w = b.create<vector::BitCastOp>(loc, words, pair);
    vectors.push_back(b.create<vector::BitCastOp>(
        loc, f32s, b.create<arith::ShLIOp>(loc, w, sixteen)));
    vectors.push_back(b.create<vector::BitCastOp>(
        loc, f32s, b.create<arith::AndIOp>(loc, w, high)));
  }
  return vectors;
}

Value FlashDecodingBuilder::keysAllowed(Value first) {
  Type element = cast<ShapedType>(mask.getType()).getElementType();
  auto type = VectorType::get({kKeyBlock}, element);
  return maskAllows(b.create<vector::TransferReadOp>(
      loc, type, mask, ValueRange{batch, first},
      b.create<arith::ConstantOp>(loc, b.getZeroAttr(element)),
      ArrayRef<bool>{true}));
}

Value FlashDecodingBuilder::maxOfLanes(Value x) {
  // Halves, level by level: log2(lanes) maxima in a chain, where LLVM
  // expands vector.reduction <maxnumf> into one maximum per lane in a chain
  // and <maximumf> into a tree with a dozen instructions per level for
  // IEEE maximum's NaN and signed-zero rules. maxnumf ignores a NaN score;
  // exp() of it still makes the row NaN.
  int64_t lanes = cast<VectorType>(x.getType()).getNumElements();
  for (; lanes > 1; lanes /= 2) {
    int64_t half = lanes / 2;
    Value low = b.create<vector::ExtractStridedSliceOp>(
        loc, x, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{half},
        ArrayRef<int64_t>{1});
    Value high = b.create<vector::ExtractStridedSliceOp>(
        loc, x, ArrayRef<int64_t>{half}, ArrayRef<int64_t>{half},
        ArrayRef<int64_t>{1});
    x = b.create<arith::MaxNumFOp>(loc, low, high);
  }
  return b.create<vector::ExtractOp>(loc, x, ArrayRef<int64_t>{0});
}

Value FlashDecodingBuilder::sumEach(function_ref<Value(int64_t)> partial,
                                    int64_t first, int64_t count) {
  // Pairs of vectors halve the lanes each key has: from one key per vector
  // with all its lanes, to `count` keys with one lane each. 15 shuffle
  // pairs and adds for 16 keys of 16 lanes, where a reduction per key takes
  // 4 shuffles and adds each and the scores are then inserted one by one.
  // Built depth first, each pair summed as soon as both halves are: LLVM's
  // scheduler then reads key rows nearly in address order, where all 16
  // products first led it to read the first cache line of every row, then
  // the second: on Zen 4 that order halved the cache's streaming rate from
  // memory (13 against 31 GB/s, docs/performance.md).
  if (count == 1)
    return partial(first);
  Value x = sumEach(partial, first, count / 2);
  Value y = sumEach(partial, first + count / 2, count / 2);
  int64_t keys = count / 2;
  int64_t width = cast<VectorType>(x.getType()).getNumElements();
  if (keys >= width) {
    // One lane per key already: concatenate in key order.
    return b.create<vector::ShuffleOp>(
        loc, x, y, llvm::to_vector(llvm::seq<int64_t>(0, 2 * width)));
  }
  int64_t lanes = width / keys, half = lanes / 2;
  SmallVector<int64_t> low, high;
  for (int64_t side = 0; side < 2; ++side)
    for (int64_t key = 0; key < keys; ++key)
      for (int64_t lane = 0; lane < half; ++lane) {
        low.push_back(side * width + key * lanes + lane);
        high.push_back(side * width + key * lanes + half + lane);
      }
  return b.create<arith::AddFOp>(loc,
                                 b.create<vector::ShuffleOp>(loc, x, y, low),
                                 b.create<vector::ShuffleOp>(loc, x, y, high));
}

SmallVector<Value> FlashDecodingBuilder::queryVectors(Value r) {
  // One read per vector; for paired keys one per two vectors, its even and
  // odd features then shuffled apart.
  Value factor = b.create<vector::BroadcastOp>(
      loc, VectorType::get({qkWidth}, f32), constant(scale));
  SmallVector<Value> query;
  for (int64_t n = 0; n < dqk / qkWidth; ++n) {
    if (!pairedKeys) {
      query.push_back(b.create<arith::MulFOp>(
          loc, readRow(q, head, r, n * qkWidth, qkWidth), factor));
      continue;
    }
    if (n % 2)
      continue;
    Value pair = readRow(q, head, r, n * qkWidth, 2 * qkWidth);
    for (int64_t parity = 0; parity < 2; ++parity) {
      SmallVector<int64_t> lanes;
      for (int64_t i = 0; i < qkWidth; ++i)
        lanes.push_back(featureOf(n + parity, i, qkWidth, true) - n * qkWidth);
      query.push_back(b.create<arith::MulFOp>(
          loc, b.create<vector::ShuffleOp>(loc, pair, pair, lanes), factor));
    }
  }
  return query;
}

Value FlashDecodingBuilder::chunkRow(Value r, Value j0, Value j1, Value tile) {
  // Row r sees the keys before keyEnd(r) when causal, from its window's
  // first key with a window.
  Value end = j1, rowLast;
  if (causal) {
    rowLast = lastKey(r, keyOffset());
    end = min(j1, keyEnd(r, keyOffset()));
  }
  if (variant.window)
    j0 = max(j0, firstVisibleKey(rowLast));
  SmallVector<Value> query = queryVectors(r);

  auto vType = VectorType::get({vWidth}, f32);
  double negInfinity = -std::numeric_limits<double>::infinity();
  auto fast = arith::FastMathFlags::reassoc;
  // One block of keys from `first` in the state s = (m, l, o...). Masked
  // (the last block, when the keys do not fill it): keys from `end` on
  // score -inf and their rows are clamped into the tensor. Unmasked, every
  // row is first + c: one base address for all of them.
  auto keyBlock = [&](Value first, ValueRange s,
                      bool masked) -> SmallVector<Value> {
    SmallVector<Value> rows;
    Value last = sub(sk, index(1));
    for (int64_t c = 0; c < kKeyBlock; ++c) {
      Value j = add(first, index(c));
      rows.push_back(masked ? min(j, last) : j);
    }
    Value block = sumEach(
        [&](int64_t c) {
          Value dot;
          for (auto [n, key] : llvm::enumerate(
                   rowVectors(k, kvHead, rows[c], dqk, qkWidth, pairedKeys)))
            dot =
                n ? b.create<vector::FMAOp>(loc, query[n], key, dot).getResult()
                  : b.create<arith::MulFOp>(loc, query[n], key).getResult();
          return dot;
        },
        0, kKeyBlock);
    // Padding scores the lowest finite float (Hugging Face's additive mask):
    // a row of only padding averages its keys, never 0 / 0.
    if (!masked) {
      // A full block's keys are consecutive: the padding mask and ALiBi's
      // bias on the whole vector, the same values as key by key below. No
      // window test: j0 is the row's first key in its window.
      if (mask)
        block = b.create<arith::SelectOp>(
            loc, keysAllowed(first),
            block, splat(blockType, visibility::kPaddedScore));
      if (variant.alibi) {
        auto i64s = VectorType::get({kKeyBlock}, b.getI64Type());
        Value j = b.create<arith::AddIOp>(
            loc,
            b.create<vector::BroadcastOp>(
                loc, i64s,
                b.create<arith::IndexCastOp>(loc, b.getI64Type(), first)),
            b.create<arith::ConstantOp>(
                loc, DenseElementsAttr::get(
                         i64s, llvm::to_vector(llvm::map_range(
                                   llvm::seq<int64_t>(0, kKeyBlock),
                                   [](int64_t c) { return APInt(64, c); })))));
        block = b.create<arith::AddFOp>(loc, block, alibiBias(j));
      }
    } else {
      SmallVector<Value> scores;
      for (int64_t c = 0; c < kKeyBlock; ++c) {
        Value j = add(first, index(c));
        Value score =
            b.create<vector::ExtractOp>(loc, block, ArrayRef<int64_t>{c});
        if (mask)
          score = b.create<arith::SelectOp>(
              loc, keyAllowed(rows[c]), score,
              constant(visibility::kPaddedScore));
        score = visibleScore(score, rowLast, j);
        score = b.create<arith::SelectOp>(
            loc,
            b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, j, end),
            score, constant(negInfinity));
        scores.push_back(score);
      }
      block = b.create<vector::FromElementsOp>(loc, blockType, scores);
    }

    // The online softmax; a row that has seen no key keeps m = -inf, and
    // subtracting 0 instead keeps exp() away from NaN.
    Value m = s[0], l = s[1];
    Value blockMax = maxOfLanes(block);
    Value newMax = b.create<arith::MaxNumFOp>(loc, m, blockMax);
    Value empty = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ,
                                          newMax, constant(negInfinity));
    Value shift = b.create<arith::SelectOp>(loc, empty, constant(0.0), newMax);
    Value alpha =
        b.create<math::ExpOp>(loc, b.create<arith::SubFOp>(loc, m, shift));
    Value p = b.create<math::ExpOp>(
        loc, b.create<arith::SubFOp>(
                 loc, block,
                 b.create<vector::BroadcastOp>(loc, blockType, shift)));
    Value sum = b.create<vector::ReductionOp>(loc, vector::CombiningKind::ADD,
                                              p, fast);
    SmallVector<Value> next{newMax, b.create<math::FmaOp>(loc, l, alpha, sum)};
    Value alphas = b.create<vector::BroadcastOp>(loc, vType, alpha);
    for (Value o : s.drop_front(2))
      next.push_back(b.create<arith::MulFOp>(loc, o, alphas));
    for (int64_t c = 0; c < kKeyBlock; ++c) {
      Value pc = b.create<vector::ExtractOp>(loc, p, ArrayRef<int64_t>{c});
      Value ps = b.create<vector::BroadcastOp>(loc, vType, pc);
      for (auto [n, value] : llvm::enumerate(
               rowVectors(v, kvHead, rows[c], dv, vWidth, pairedValues)))
        next[2 + n] = b.create<vector::FMAOp>(loc, ps, value, next[2 + n]);
    }
    return next;
  };

  SmallVector<Value> init{constant(negInfinity), constant(0.0)};
  init.append(dv / vWidth, splat(vType, 0.0));
  Value keys = max(index(0), sub(end, j0));
  Value full = b.create<arith::DivSIOp>(loc, keys, index(kKeyBlock));
  ValueRange state = loop(index(0), full, init, [&](Value i, ValueRange s) {
    return keyBlock(add(j0, mul(i, index(kKeyBlock))), s, /*masked=*/false);
  });
  state[0].getDefiningOp()->setAttr(kPrefetchAheadAttr,
                                    b.getI64IntegerAttr(kPrefetchBlocks));
  // The keys left after the full blocks, if any: one masked block.
  Value blocks = b.create<arith::CeilDivSIOp>(loc, keys, index(kKeyBlock));
  state = loop(full, blocks, state, [&](Value i, ValueRange s) {
    return keyBlock(add(j0, mul(i, index(kKeyBlock))), s, /*masked=*/true);
  });

  tile =
      b.create<tensor::InsertOp>(loc, state[0], tile, ValueRange{r, index(0)});
  tile =
      b.create<tensor::InsertOp>(loc, state[1], tile, ValueRange{r, index(1)});
  auto write = [&](Value x, int64_t d0) {
    tile = b.create<vector::TransferWriteOp>(loc, x, tile,
                                             ValueRange{r, index(2 + d0)},
                                             ArrayRef<bool>{true})
               .getResult();
  };
  if (!pairedValues) {
    for (int64_t d0 = 0, n = 2; d0 < dv; d0 += vWidth, ++n)
      write(state[n], d0);
    return tile;
  }
  // Even and odd features interleaved back into order.
  SmallVector<int64_t> interleave;
  for (int64_t i = 0; i < vWidth; ++i)
    interleave.append({i, vWidth + i});
  for (int64_t d0 = 0, n = 2; d0 < dv; d0 += 2 * vWidth, n += 2)
    write(b.create<vector::ShuffleOp>(loc, state[n], state[n + 1], interleave),
          d0);
  return tile;
}

Value FlashDecodingBuilder::buildPartials(Value batches, Value chunks,
                                          Value chunkSize) {
  Value init = emptyTensor(
      b, loc,
      {batches, b.getIndexAttr(heads), b.getIndexAttr(kMaxChunks),
       b.getIndexAttr(maxQueries), b.getIndexAttr(2 + dv)});
  auto forall = b.create<scf::ForallOp>(
      loc, SmallVector<OpFoldResult>{batches, b.getIndexAttr(heads), chunks},
      ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  SmallVector<Value> ivs = forall.getInductionVars();
  batch = ivs[0];
  setHead(ivs[1]);
  Value j0 = mul(ivs[2], chunkSize);
  Value j1 = min(sk, add(j0, chunkSize));

  Value out = forall.getRegionIterArgs().front();
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  SmallVector<OpFoldResult> offsets{batch, head, ivs[2], zero, zero};
  SmallVector<OpFoldResult> sizes{one, one, one, queries, b.getIndexAttr(2 + dv)};
  SmallVector<OpFoldResult> strides(offsets.size(), one);
  auto tileType = RankedTensorType::get({ShapedType::kDynamic, 2 + dv}, f32);
  Value dest = b.create<tensor::ExtractSliceOp>(loc, tileType, out, offsets,
                                                sizes, strides);
  Value tile = loop(queries, dest, [&](Value r, ValueRange t) {
    return SmallVector<Value>{chunkRow(r, j0, j1, t[0])};
  })[0];
  b.setInsertionPointToEnd(forall.getTerminator().getBody());
  b.create<tensor::ParallelInsertSliceOp>(loc, tile, out, offsets, sizes,
                                          strides);
  return forall.getResult(0);
}

Value FlashDecodingBuilder::buildMerge(Value out, Value batches, Value chunks,
                                       Value partials) {
  auto forall = b.create<scf::ForallOp>(
      loc, SmallVector<OpFoldResult>{batches, b.getIndexAttr(heads)},
      ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  SmallVector<Value> ivs = forall.getInductionVars();
  batch = ivs[0];
  head = ivs[1];
  Value whole = forall.getRegionIterArgs().front();

  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  SmallVector<OpFoldResult> offsets{batch, head, zero, zero};
  SmallVector<OpFoldResult> sizes{one, one, queries, b.getIndexAttr(dv)};
  if (mergedOutput) {
    offsets = {batch, zero, mul(head, index(dv))};
    sizes = {one, queries, b.getIndexAttr(dv)};
  }
  SmallVector<OpFoldResult> strides(offsets.size(), one);
  auto tileType = RankedTensorType::get({ShapedType::kDynamic, dv}, f32);
  Value dest = b.create<tensor::ExtractSliceOp>(loc, tileType, whole, offsets,
                                                sizes, strides);
  double negInfinity = -std::numeric_limits<double>::infinity();
  Value weights = b.create<memref::AllocaOp>(
      loc, MemRefType::get({kMaxChunks}, f32), b.getI64IntegerAttr(64));
  Value tile = loop(queries, dest, [&](Value r, ValueRange t) {
    auto partial = [&](Value c, int64_t field) {
      return b.create<tensor::ExtractOp>(
          loc, partials, ValueRange{batch, head, c, r, index(field)});
    };
    Value top = loop(chunks, constant(negInfinity), [&](Value c, ValueRange m) {
      return SmallVector<Value>{
          b.create<arith::MaximumFOp>(loc, m[0], partial(c, 0))};
    })[0];
    Value empty = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, top,
                                          constant(negInfinity));
    Value shift = b.create<arith::SelectOp>(loc, empty, constant(0.0), top);
    Value total = loop(chunks, constant(0.0), [&](Value c, ValueRange l) {
      Value w = b.create<math::ExpOp>(
          loc, b.create<arith::SubFOp>(loc, partial(c, 0), shift));
      b.create<memref::StoreOp>(loc, w, weights, c);
      return SmallVector<Value>{
          b.create<math::FmaOp>(loc, w, partial(c, 1), l[0])};
    })[0];
    Value inverse = b.create<arith::DivFOp>(loc, constant(1.0), total);
    // out = sum over chunks of w_c o_c, a vector of vWidth features at a
    // time, each element summed in chunk order as element by element.
    auto vType = VectorType::get({vWidth}, f32);
    SmallVector<Value> zeros(dv / vWidth, splat(vType, 0.0));
    ValueRange sums = loop(chunks, zeros, [&](Value c, ValueRange o) {
      Value w = b.create<vector::BroadcastOp>(
          loc, vType, b.create<memref::LoadOp>(loc, weights, c));
      SmallVector<Value> next;
      for (auto [n, sum] : llvm::enumerate(o)) {
        Value x = b.create<vector::TransferReadOp>(
            loc, vType, partials,
            ValueRange{batch, head, c, r,
                       index(2 + static_cast<int64_t>(n) * vWidth)},
            constant(0.0), ArrayRef<bool>{true});
        next.push_back(b.create<vector::FMAOp>(loc, w, x, sum));
      }
      return next;
    });
    Value scaled = b.create<vector::BroadcastOp>(loc, vType, inverse);
    Value row = t[0];
    for (auto [n, sum] : llvm::enumerate(sums))
      row = b.create<vector::TransferWriteOp>(
                 loc, b.create<arith::MulFOp>(loc, sum, scaled), row,
                 ValueRange{r, index(static_cast<int64_t>(n) * vWidth)},
                 ArrayRef<bool>{true})
                .getResult();
    return SmallVector<Value>{row};
  })[0];
  b.setInsertionPointToEnd(forall.getTerminator().getBody());
  b.create<tensor::ParallelInsertSliceOp>(loc, tile, whole, offsets, sizes,
                                          strides);
  return forall.getResult(0);
}

Value FlashDecodingBuilder::build(Value out, Value enabled) {
  Value batches = dim(q.tensor, 0);
  sq = queryCount();
  sk = keyCount();
  // chunkSize = max(kMinChunk, ceil(sk / kMaxChunks) rounded up to a block).
  Value perChunk =
      b.create<arith::CeilDivSIOp>(loc, sk, index(kMaxChunks * kKeyBlock));
  Value chunkSize = max(index(kMinChunk), mul(perChunk, index(kKeyBlock)));
  Value chunks =
      max(index(1), b.create<arith::CeilDivSIOp>(loc, sk, chunkSize));
  // Disabled, every iteration has no query rows. A parallel loop never gets
  // zero iterations: libomp's static schedule divides by zero.
  queries = sq;
  if (enabled) {
    queries = b.create<arith::SelectOp>(loc, enabled, sq, index(0));
    chunks = b.create<arith::SelectOp>(loc, enabled, chunks, index(1));
  }
  Value partials = buildPartials(batches, chunks, chunkSize);
  return buildMerge(out, batches, chunks, partials);
}

} // namespace

Value buildFlashDecoding(OpBuilder &b, Location loc,
                         const AttentionOperands &operands, Value out,
                         Value enabled, int64_t maxQueries) {
  return FlashDecodingBuilder(b, loc, operands, maxQueries)
      .build(out, enabled);
}

} // namespace attnc::lowering
