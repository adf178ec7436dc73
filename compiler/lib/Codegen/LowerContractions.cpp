//===- LowerContractions.cpp - Register-blocked kernels for contractions --===//
//
// Rewrites every f32 linalg contraction on buffers (C[b.., m, n] +=
// A[.., m, .., k] * B[.., k, n] or B[.., n, k], any batch dimensions, any
// operand layout whose C rows are contiguous; B may be a bf16 or f16 weight,
// widened to f32 in registers as it is loaded) into the loop nest of a
// GotoBLAS-style matrix product, in the vector dialect:
//
//   parallel over batch x blocks of rows x groups of column panels (48
//   columns each; one group of 8 panels over all rows on one thread, finer
//   with more threads: splitWork; the batch dims of a B packed at load, which
//   it does not use, are folded into the rows instead: rowDims):
//     for each block of 256 k (of a narrower B packed at load, as many
//     bytes: 512 bf16 or 1024 int8 k):
//       pack the block of B into [panel][k][48], contiguous, zero-padded
//       for each tile of 8 rows (then at most one of 4 and of 2 rows, then
//       single rows), for each panel:
//         8 x 3 vector<16xf32> accumulators, loaded from C, kept in
//         registers over the k block: per k, 3 loads of packed B,
//         8 broadcasts of A, 24 FMAs; stored back to C.
//
// With one row (a decode step) and B packed at load, the k blocks buy no
// reuse: each panel is one tile over all of K instead, and the group's panels,
// contiguous in memory, are read as one stream. Where B has too few panels to
// keep many threads streaming (fewer than kDecodePieces), K is cut into
// chunks as well (emitChunkedDecode): pieces of a panel's chunk summed from
// zero into a scratch, then added in chunk order to C by a second loop.
//
// The packed block of B stays in L2 and the 8 rows of A in L1; every vector
// is one register wide. Those are AVX-512's numbers; the module's target
// (VectorTarget.h) sets them: on AVX2, 8 lanes, panels of 24, 4-row tiles. Each
// element of C sees its k terms in the same order whatever the grouping, so the
// parallel loop gives bit-identical results for any thread count. Packing also
// makes the two layouts of B (a weight stored [out, in] or [in, out]) equally
// fast.
//
// A bf16 weight packed at load in pairs of k (panel_pairs, with A rounded to
// bf16: `attnc compile --round-activations`) has its own inner loop
// (PairKernel.h): per k block and row tile, A's rows are rounded once into
// a small scratch; per pair of k, 3 loads of the panel, one broadcast of
// A's pair per row and 24 vdpbf16ps (AVX512_BF16), or the pairs widened
// and 48 FMAs on a target without it. One row (a decode step) is rounded
// over all of K at once instead, and each panel's tile spans K, as above.
//
// An int8 weight packed at load in quads of k (panel_quads, with A quantized
// per block of 32 k: `attnc compile --weight-type int8 --round-activations`)
// has its own loops (QuadKernel.h), with no k blocks: per row tile (4 rows,
// then 2, then single rows) A's rows are quantized once into a scratch, and
// each panel's tile runs over all of K, per quad of k 3 loads of the panel, one
// broadcast word of A per row and vpdpbusd into i32 sums, added to the f32
// accumulators times the scales at each block's end.
//
// An int8 weight (always packed at load) comes with a third input, its f16
// scales packed the same way, one row per 32 k: per block of 32 k the kernel
// loads the panel's 3 scale vectors, and per k it widens the 3 int8 vectors
// (no CPU feature needed): in quads of k (panel_quads_f32, what
// attnc-pack-weights makes), one load per vector and quad, each k's byte
// moved to the top of its lane and masked (q * 2^24, the scales taken times
// 2^-24); in plain panels, by sign extension. Full row tiles instead read
// the group's k block of panels widened and scaled once into the f32 pack
// (where the block of rows has two or more), in k blocks of 256. A single row
// sums a block's products unscaled into two fresh sets of accumulators (even
// and odd k: six independent FMA chains instead of three) and adds their sum
// times the scales at the block's end; a full row tile, whose accumulators
// fill the registers, multiplies the widened weights by their scales per k.
// A single row's loop over an int8 panel (this one, and QuadKernel's without
// VNNI) prefetches the panel kStreamPrefetchBytes ahead: dense in
// instructions, it reached too few loads ahead by itself.
//
// A parameter B already packed at load (attnc-pack-weights) is read in place,
// and then the elementwise ops around the product are computed on the tile
// (TileFusion.h): the op filling C (a bias) for the first k block instead of
// loading C, an epilogue (GELU, a residual add, ...) for the last one, stored
// to its own output.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/AmxKernel.h"
#include "attnc/Codegen/Contraction.h"
#include "attnc/Codegen/PairKernel.h"
#include "attnc/Codegen/Passes.h"
#include "attnc/Codegen/QuadKernel.h"
#include "attnc/Codegen/TileFusion.h"
#include "attnc/Dialect/Attn/IR/CodegenHints.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/SaveAndRestore.h"

namespace attnc {
#define GEN_PASS_DEF_LOWERCONTRACTIONS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;
using namespace attnc::codegen;

namespace {

/// The stack buffer, at the start of a function, that its products cut
/// along K (emitChunkedDecode) leave their pieces' sums in: they run one
/// after another, so one buffer, sized at the end for the largest. Not in
/// the loops around the products, whose bodies would then need an
/// alloca_scope.
struct PieceScratch {
  explicit PieceScratch(func::FuncOp func) : func(func) {}

  func::FuncOp func;
  memref::AllocaOp buffer;
  int64_t bytes = 0;

  /// A view of the buffer as `type` (f32, static shape).
  Value view(OpBuilder &b, Location loc, MemRefType type) {
    int64_t size = type.getNumElements() * 4;
    if (!buffer) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&func.getBody().front());
      Value none = b.create<arith::ConstantIndexOp>(loc, 0);
      buffer = b.create<memref::AllocaOp>(
          loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
          ValueRange{none}, ValueRange{}, b.getI64IntegerAttr(64));
    }
    bytes = std::max(bytes, size);
    return b.create<memref::ViewOp>(loc, type, buffer,
                                    b.create<arith::ConstantIndexOp>(loc, 0),
                                    ValueRange{});
  }
  /// Gives the buffer its size, once every product is emitted.
  void finish() {
    if (!buffer)
      return;
    OpBuilder b(buffer);
    buffer->setOperand(
        0, b.create<arith::ConstantIndexOp>(buffer.getLoc(), bytes));
  }
};

/// Emits the loop nest of one contraction in place of its linalg op.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Contraction c, linalg::LinalgOp init,
                linalg::GenericOp epilogue, Value threads,
                PieceScratch &pieceScratch)
      : b(b), c(c), init(init), epilogue(epilogue), threads(threads),
        pieceScratch(pieceScratch), loc(c.op.getLoc()), f32(b.getF32Type()),
        kVectorWidth(c.target.lanes), kPanelWidth(c.target.panelWidth()),
        kRowTile(c.amx ? AmxKernel::kRows : c.target.rowTile()),
        vecType(VectorType::get({kVectorWidth}, f32)),
        rhsVecType(VectorType::get({kVectorWidth}, c.rhsElement)),
        maskType(VectorType::get({kVectorWidth}, b.getI1Type())) {}

  void emit();

private:
  /// The product as groups of panels and blocks of rows (splitWork);
  /// `oneRowElsewhere`: a single row (M not known) takes emitChunkedDecode.
  void emitGrouped(bool oneRowElsewhere);
  /// One row (a decode step) cut along K into chunks of `chunkDepth` k
  /// (decodeChunkDepth): a parallel loop over the pieces (panel x chunk, in
  /// memory order), each summed from zero into a scratch, then one over the
  /// panels that adds each column's chunks in order to its start (C, or the
  /// init) and applies the epilogue. The cut depends on the shapes only:
  /// the same results for any thread count.
  void emitChunkedDecode(int64_t chunkDepth);
  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  Value add(Value x, Value y) { return b.create<arith::AddIOp>(loc, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, index(y)) : x; }
  Value sub(Value x, Value y) { return b.create<arith::SubIOp>(loc, x, y); }
  Value mul(Value x, int64_t y) {
    return b.create<arith::MulIOp>(loc, x, index(y));
  }
  Value min(Value x, Value y) { return b.create<arith::MinSIOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.create<arith::MaxSIOp>(loc, x, y); }
  Value ceilDiv(Value x, Value y) {
    return b.create<arith::CeilDivUIOp>(loc, x, y);
  }
  /// `x` (an element or vector of B) as f32: a bf16/f16 or int8 weight is
  /// widened in registers, after the narrow load (an int8 one still to be
  /// multiplied by its scale).
  Value widen(Value x) {
    Type wide = isa<VectorType>(x.getType()) ? Type(vecType) : f32;
    if (x.getType() == wide)
      return x;
    if (isa<IntegerType>(getElementTypeOrSelf(x.getType())))
      return b.create<arith::SIToFPOp>(loc, wide, x);
    return b.create<arith::ExtFOp>(loc, wide, x);
  }

  /// How the product is shared out among threads (see splitWork).
  struct WorkSplit {
    Value panelsPerGroup, numGroups, rowsPerBlock, numRowBlocks;
  };
  WorkSplit splitWork(Value sizeM, Value numPanels, bool rowBlocks);
  /// The iterations a parallel loop should have: `perThread` per thread
  /// with more than one thread, else one.
  Value wantedIterations(int64_t perThread);
  /// Rows [begin, end), fewer than `fullRows`, in tiles of fullRows / 2,
  /// fullRows / 4, ... rows (at most one of each), then single rows:
  /// `tiles(first, last, rows)` emits the tiles of `rows` rows in [first,
  /// last).
  void remainderTiles(Value begin, Value end, int64_t fullRows,
                      function_ref<void(Value, Value, int64_t)> tiles);

  /// The indices of `operand` at the loop indices `ivs` (one per loop,
  /// null for loops the operand does not use).
  SmallVector<Value> indicesOf(unsigned operand, ArrayRef<Value> ivs);
  /// The loop indices of row `r` of the rows the kernel iterates over: the
  /// folded batch dims' (rowDims, outermost first) and m's.
  SmallVector<Value> rowIvs(Value r);
  /// The loop indices at `batch` (the ivs of outerDims), `row` (rowIvs; empty
  /// where the operand uses no row), n and k (null where unused).
  SmallVector<Value> loopIvs(ArrayRef<Value> batch, ArrayRef<Value> row,
                             Value n, Value k);

  void forLoop(Value lb, Value ub, int64_t step,
               function_ref<void(Value)> body);
  /// Copies rows [k0, k0 + kc) of the panel at column n0 into pack[slot].
  void emitPack(ArrayRef<Value> batch, Value pack, Value slot, Value n0,
                Value cols, Value k0, Value kc, bool partial);
  /// k = 4q + j of a vector of int8 quads (`words`, i32 lanes) as f32, times
  /// 2^24: byte j moved to the top of each lane, the bytes below cleared.
  Value widenQuadLane(Value words, int64_t j);
  /// Vector `v` of quad `quad` of int8 quads `panels[panel]`: 4 k of its
  /// lanes' columns, as i32 words.
  Value loadQuadWords(Value panels, Value panel, Value quad, int64_t v);
  /// `begin` plus the whole quads of [begin, end).
  Value wholeQuadsEnd(Value begin, Value end) {
    return add(begin,
               mul(b.create<arith::DivUIOp>(loc, sub(end, begin), index(kQuad)),
                   kQuad));
  }
  /// `scale` times 2^-24: the scale of widenQuadLane's values.
  Value quadScale(Value scale);
  /// The int8 scales of `panel`'s vectors for k block `block`, f32 (times
  /// 2^-24 for quads: quadScale).
  SmallVector<Value> int8Scales(Value panel, Value block);
  /// Widens rows [k0, k0 + kc) of the int8 panel `panel` of `panels` (plain
  /// or in quads: groupPanels), times their scales, into pack[slot].
  void emitWidenInt8(Value panels, Value panel, Value pack, Value slot,
                     Value k0, Value kc);
  /// The rowIvs of rows [m0, m0 + rows): a tile's, computed once per tile.
  SmallVector<SmallVector<Value>> tileRowIvs(Value m0, int64_t rows);
  /// Where a piece of a product cut along K (emitChunkedDecode) leaves its
  /// sum, started from zero: sums[chunk][panel][0 .. 48).
  struct PieceSums {
    Value sums, chunk, panel;
  };
  /// C[rows, n0 .. n0+48] += A[rows, k0..k0+kc] * panel, with the panel at
  /// bPanel[slot][kOffset + kk][0..48]; `rows` holds each row's rowIvs.
  /// With `piece`, the products alone go to its sums instead (C, the init
  /// and the epilogue untouched).
  void emitTile(ArrayRef<Value> batch, ArrayRef<SmallVector<Value>> rows,
                Value bPanel, Value slot, Value kOffset, Value n0, Value cols,
                Value k0, Value kc, bool partial,
                const PieceSums *piece = nullptr);
  /// The 16 lanes of `buffer`, read by `map` of an elementwise op over C's
  /// indices, at C's indices `at`: a vector along n, or one broadcast
  /// element when the map does not use n.
  Value loadLanes(Value buffer, AffineMap map, ArrayRef<Value> at,
                  Value mask);
  /// The body of `op` on vectors: `args` for its inputs, captured scalars
  /// broadcast.
  Value evaluate(linalg::GenericOp op, ArrayRef<Value> args);
  /// Vector `v` of row `i` of `op`'s result on the tile at C's indices
  /// `at`; the epilogue's C input is `acc`.
  Value evaluateOnTile(linalg::LinalgOp op, ArrayRef<Value> at, Value mask,
                       Value acc);
  /// Emits `then` under `cond`, `otherwise` else, each yielding `types`.
  SmallVector<Value> ifElse(Value cond, TypeRange types,
                            function_ref<SmallVector<Value>()> then,
                            function_ref<SmallVector<Value>()> otherwise);

  OpBuilder &b;
  Contraction c;
  linalg::LinalgOp init;
  linalg::GenericOp epilogue;
  /// The number of threads a parallel loop gets (index).
  Value threads;
  PieceScratch &pieceScratch;
  Location loc;
  Type f32;
  /// The target's shape of the kernel (VectorTarget.h).
  static constexpr int64_t kPanelVectors = VectorTarget::kPanelVectors;
  const int64_t kVectorWidth, kPanelWidth, kRowTile;
  /// One register of f32, and the same lanes of B's element type.
  VectorType vecType, rhsVecType, maskType;
  SmallVector<Value> loopSizes;
  /// The rows (m and the folded batch dims), N, K, B's panels (the last may
  /// be partial) and its full panels.
  Value sizeM, sizeN, sizeK, numPanels, fullPanels;
  /// The batch dims of a weight packed at load that B does not use (a
  /// projection's batch) are folded into the rows with m (rowDims), so that
  /// a tile's rows may come from several of them and each load of the panel
  /// serves them all (a batch of decode steps reads each weight once); the
  /// parallel loop runs over the others (outerDims).
  SmallVector<unsigned> rowDims, outerDims;
  /// B's pairs (quads) of k as rows of 2W (4W) elements.
  Value groupPanels;
  /// bf16 pairs (Contraction::rhsIsPairs): the kernel and the group's
  /// scratch of rounded rows of A.
  std::optional<PairKernel> pairKernel;
  Value roundedA;
  /// AMX (Contraction::amx): the kernel, the scratch of rounded rows read
  /// as bf16 [rows][depth], and the group's buffer of C tiles.
  std::optional<AmxKernel> amxKernel;
  Value roundedBF16, amxAccumulator;
  /// int8 quads (Contraction::rhsIsQuads): the kernel, K, and the group's
  /// scratch of quantized rows of A.
  std::optional<QuadKernel> quadKernel;
  int64_t quadDepth = 0;
  QuadKernel::Scratch quantizedA;
};

SmallVector<Value> KernelEmitter::indicesOf(unsigned operand,
                                            ArrayRef<Value> ivs) {
  AffineMap map = c.op.getIndexingMapsArray()[operand];
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults())
    indices.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

SmallVector<Value> KernelEmitter::rowIvs(Value r) {
  SmallVector<Value> ivs(rowDims.size() + 1, r);
  if (isConstantIntValue(r, 0))
    return ivs;
  Value rest = r;
  for (size_t i = ivs.size(); i-- > 1;) {
    Value size = loopSizes[i == rowDims.size() ? c.m : rowDims[i]];
    ivs[i] = b.create<arith::RemUIOp>(loc, rest, size);
    rest = b.create<arith::DivUIOp>(loc, rest, size);
  }
  ivs[0] = rest;
  return ivs;
}

SmallVector<Value> KernelEmitter::loopIvs(ArrayRef<Value> batch,
                                          ArrayRef<Value> row, Value n,
                                          Value k) {
  SmallVector<Value> ivs(c.op.getNumLoops());
  for (auto [dim, iv] : llvm::zip_equal(outerDims, batch))
    ivs[dim] = iv;
  if (!row.empty()) {
    for (auto [dim, iv] : llvm::zip(rowDims, row))
      ivs[dim] = iv;
    ivs[c.m] = row.back();
  }
  ivs[c.n] = n;
  ivs[c.k] = k;
  return ivs;
}

void KernelEmitter::forLoop(Value lb, Value ub, int64_t step,
                            function_ref<void(Value)> body) {
  auto loop = b.create<scf::ForOp>(loc, lb, ub, index(step));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVar());
}

void KernelEmitter::emitPack(ArrayRef<Value> batch, Value pack, Value slot,
                             Value n0, Value cols, Value k0, Value kc,
                             bool partial) {
  Value zero = index(0);
  Value b0 = c.op.getDpsInputs()[1];
  if (c.rhsIsKN) {
    // Rows of B are contiguous along n: three vector copies per k.
    Value pad = b.create<arith::ConstantOp>(loc, b.getZeroAttr(rhsVecType));
    forLoop(zero, kc, 1, [&](Value kk) {
      for (int64_t v = 0; v < kPanelVectors; ++v) {
        Value n = add(n0, v * kVectorWidth);
        SmallVector<Value> src =
            indicesOf(1, loopIvs(batch, {}, n, add(k0, kk)));
        Value x;
        if (partial) {
          Value mask = b.create<vector::CreateMaskOp>(
              loc, maskType, ValueRange{sub(cols, index(v * kVectorWidth))});
          x = b.create<vector::MaskedLoadOp>(loc, rhsVecType, b0, src, mask,
                                             pad);
        } else {
          x = b.create<vector::LoadOp>(loc, rhsVecType, b0, src);
        }
        b.create<vector::StoreOp>(loc, widen(x), pack,
                                  ValueRange{slot, kk, index(v * kVectorWidth)});
      }
    });
    return;
  }
  // Rows of B are contiguous along k: a transposing copy. Columns past the
  // end of a partial panel are left as they are; they only reach lanes of C
  // that are never stored.
  Value width = partial ? cols : index(kPanelWidth);
  forLoop(zero, width, 1, [&](Value col) {
    forLoop(zero, kc, 1, [&](Value kk) {
      SmallVector<Value> src =
          indicesOf(1, loopIvs(batch, {}, add(n0, col), add(k0, kk)));
      Value x = widen(b.create<memref::LoadOp>(loc, b0, src));
      b.create<memref::StoreOp>(loc, x, pack, ValueRange{slot, kk, col});
    });
  });
}

Value KernelEmitter::loadLanes(Value buffer, AffineMap map,
                               ArrayRef<Value> at, Value mask) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults())
    indices.push_back(at[cast<AffineDimExpr>(e).getPosition()]);
  if (!map.isFunctionOfDim(at.size() - 1))
    return b.create<vector::BroadcastOp>(
        loc, vecType, b.create<memref::LoadOp>(loc, buffer, indices));
  if (!mask)
    return b.create<vector::LoadOp>(loc, vecType, buffer, indices);
  Value zeros = b.create<arith::ConstantOp>(loc, b.getZeroAttr(vecType));
  return b.create<vector::MaskedLoadOp>(loc, vecType, buffer, indices, mask,
                                        zeros);
}

Value KernelEmitter::evaluate(linalg::GenericOp op, ArrayRef<Value> args) {
  Block &body = op->getRegion(0).front();
  IRMapping map;
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    map.map(arg, value);
  for (Operation &inner : body.without_terminator()) {
    Type lanes = VectorType::get({kVectorWidth},
                                 inner.getResult(0).getType());
    if (auto constant = dyn_cast<arith::ConstantOp>(inner)) {
      map.map(constant.getResult(),
              b.create<arith::ConstantOp>(
                  loc, DenseElementsAttr::get(cast<ShapedType>(lanes),
                                              constant.getValue())));
      continue;
    }
    for (Value operand : inner.getOperands())
      if (!map.contains(operand))
        map.map(operand,
                b.create<vector::BroadcastOp>(
                    loc, VectorType::get({kVectorWidth}, operand.getType()),
                    operand));
    Operation *lane = b.clone(inner, map);
    lane->getResult(0).setType(lanes);
  }
  return map.lookup(body.getTerminator()->getOperand(0));
}

Value KernelEmitter::evaluateOnTile(linalg::LinalgOp op, ArrayRef<Value> at,
                                    Value mask, Value acc) {
  if (auto fill = dyn_cast<linalg::FillOp>(op.getOperation()))
    return b.create<vector::BroadcastOp>(loc, vecType, fill.value());
  auto generic = cast<linalg::GenericOp>(op.getOperation());
  SmallVector<Value> args;
  for (auto [i, input] : llvm::enumerate(generic.getDpsInputs()))
    args.push_back(input == c.op.getDpsInits()[0]
                       ? acc
                       : loadLanes(input, generic.getIndexingMapsArray()[i],
                                   at, mask));
  args.push_back(nullptr); // the output, which the body does not read
  return evaluate(generic, args);
}

SmallVector<Value>
KernelEmitter::ifElse(Value cond, TypeRange types,
                      function_ref<SmallVector<Value>()> then,
                      function_ref<SmallVector<Value>()> otherwise) {
  auto op = b.create<scf::IfOp>(loc, types, cond, /*addThenBlock=*/true,
                                /*addElseBlock=*/true);
  for (auto [block, body] :
       {std::pair{op.thenBlock(), then}, std::pair{op.elseBlock(), otherwise}}) {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToEnd(block);
    b.create<scf::YieldOp>(loc, body());
  }
  return SmallVector<Value>(op.getResults());
}

SmallVector<SmallVector<Value>> KernelEmitter::tileRowIvs(Value m0,
                                                          int64_t rows) {
  SmallVector<SmallVector<Value>> ivs;
  for (int64_t i = 0; i < rows; ++i)
    ivs.push_back(rowIvs(add(m0, i)));
  return ivs;
}

Value KernelEmitter::widenQuadLane(Value words, int64_t j) {
  auto i32s = cast<VectorType>(words.getType());
  auto splat = [&](int64_t value) -> Value {
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(
                 i32s, b.getI32IntegerAttr(static_cast<int32_t>(value))));
  };
  if (j < kQuad - 1)
    words = b.create<arith::ShLIOp>(loc, words, splat(8 * (kQuad - 1 - j)));
  if (j > 0)
    words = b.create<arith::AndIOp>(loc, words, splat(0xFF000000));
  return b.create<arith::SIToFPOp>(loc, vecType, words);
}

Value KernelEmitter::loadQuadWords(Value panels, Value panel, Value quad,
                                   int64_t v) {
  return b.create<vector::BitCastOp>(
      loc, VectorType::get({kVectorWidth}, b.getI32Type()),
      b.create<vector::LoadOp>(
          loc, VectorType::get({kQuad * kVectorWidth}, b.getI8Type()), panels,
          ValueRange{panel, quad, index(v * kQuad * kVectorWidth)}));
}

Value KernelEmitter::quadScale(Value scale) {
  return b.create<arith::MulFOp>(
      loc, scale,
      b.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0x1p-24))));
}

SmallVector<Value> KernelEmitter::int8Scales(Value panel, Value block) {
  SmallVector<Value> scales;
  for (int64_t v = 0; v < kPanelVectors; ++v) {
    Value scale = loadScales(b, loc, vecType, c.rhsScales,
                             ValueRange{panel, block, index(v * kVectorWidth)});
    scales.push_back(c.rhsIsWideQuads ? quadScale(scale) : scale);
  }
  return scales;
}

void KernelEmitter::emitWidenInt8(Value panels, Value panel, Value pack,
                                  Value slot, Value k0, Value kc) {
  // Per block of 32 k (k0 is a multiple of the block): its scales once, then
  // each k's vectors widened, scaled (q * scale, rounded once, as the int8
  // tile does) and stored.
  forLoop(index(0), kc, kInt8Block, [&](Value kb) {
    SmallVector<Value> scales = int8Scales(
        panel, b.create<arith::DivUIOp>(loc, add(k0, kb), index(kInt8Block)));
    Value end = min(add(kb, kInt8Block), kc);
    auto store = [&](Value kk, int64_t v, Value w) {
      b.create<vector::StoreOp>(loc, b.create<arith::MulFOp>(loc, w, scales[v]),
                                pack,
                                ValueRange{slot, kk, index(v * kVectorWidth)});
    };
    if (!c.rhsIsWideQuads) {
      forLoop(kb, end, 1, [&](Value kk) {
        for (int64_t v = 0; v < kPanelVectors; ++v)
          store(kk, v,
                widen(b.create<vector::LoadOp>(
                    loc, rhsVecType, panels,
                    ValueRange{panel, add(k0, kk), index(v * kVectorWidth)})));
      });
      return;
    }
    // Quads: k0 + kk a multiple of 4, `count` k of the quad.
    auto quad = [&](Value kk, int64_t count) {
      Value q = b.create<arith::DivUIOp>(loc, add(k0, kk), index(kQuad));
      for (int64_t v = 0; v < kPanelVectors; ++v) {
        Value words = loadQuadWords(panels, panel, q, v);
        for (int64_t j = 0; j < count; ++j)
          store(add(kk, j), v, widenQuadLane(words, j));
      }
    };
    Value quadEnd = wholeQuadsEnd(kb, end);
    forLoop(kb, quadEnd, kQuad, [&](Value kk) { quad(kk, kQuad); });
    if (int64_t tail = c.op.getStaticLoopRanges()[c.k] % kQuad)
      b.create<scf::IfOp>(
          loc,
          b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, quadEnd, end),
          [&](OpBuilder &nb, Location) {
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
            quad(quadEnd, tail);
            b.create<scf::YieldOp>(loc);
          });
  });
}

void KernelEmitter::emitTile(ArrayRef<Value> batch,
                             ArrayRef<SmallVector<Value>> tileRows,
                             Value bPanel, Value slot, Value kOffset, Value n0,
                             Value cols, Value k0, Value kc, bool partial,
                             const PieceSums *piece) {
  int64_t rows = tileRows.size();
  Value a = c.op.getDpsInputs()[0];
  Value out = c.op.getDpsInits()[0];
  Value zeros = b.create<arith::ConstantOp>(loc, b.getZeroAttr(vecType));
  SmallVector<Value> masks;
  if (partial)
    for (int64_t v = 0; v < kPanelVectors; ++v)
      masks.push_back(b.create<vector::CreateMaskOp>(
          loc, maskType, ValueRange{sub(cols, index(v * kVectorWidth))}));

  unsigned cOperand = c.op.getDpsInitOperand(0)->getOperandNumber();
  auto cIndices = [&](int64_t i, int64_t v) {
    return indicesOf(
        cOperand, loopIvs(batch, tileRows[i], add(n0, v * kVectorWidth), {}));
  };
  auto loadC = [&] {
    SmallVector<Value> tile;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t v = 0; v < kPanelVectors; ++v) {
        if (partial)
          tile.push_back(b.create<vector::MaskedLoadOp>(
              loc, vecType, out, cIndices(i, v), masks[v], zeros));
        else
          tile.push_back(
              b.create<vector::LoadOp>(loc, vecType, out, cIndices(i, v)));
      }
    return tile;
  };
  auto computeInit = [&] {
    SmallVector<Value> tile;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t v = 0; v < kPanelVectors; ++v)
        tile.push_back(evaluateOnTile(init, cIndices(i, v),
                                      partial ? masks[v] : Value(), {}));
    return tile;
  };
  // With AMX, C's start goes into the tiles' buffer (AmxKernel.h) in the
  // branch that computes it, where a zero init is zero tiles.
  bool amxTile = amxKernel && rows == AmxKernel::kRows;
  auto fillTiles = [&](SmallVector<Value> tile) {
    amxKernel->emitStart(amxAccumulator, tile, kPanelVectors);
    return SmallVector<Value>{};
  };
  SmallVector<Value> start;
  if (piece) {
    start.assign(rows * kPanelVectors, zeros);
  } else if (init) {
    Value first = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, k0,
                                          index(0));
    SmallVector<Type> types(rows * kPanelVectors, vecType);
    if (amxTile)
      ifElse(first, {}, [&] { return fillTiles(computeInit()); },
             [&] { return fillTiles(loadC()); });
    else
      start = ifElse(first, types, computeInit, loadC);
  } else if (amxTile) {
    fillTiles(loadC());
  } else {
    start = loadC();
  }

  // C tile += A[rows, k] x panel (the widened vectors of one k of B).
  auto fmaRows = [&](Value k, ArrayRef<Value> panel, ValueRange acc) {
    SmallVector<Value> next;
    for (int64_t i = 0; i < rows; ++i) {
      Value x = b.create<memref::LoadOp>(
          loc, a, indicesOf(0, loopIvs(batch, tileRows[i], {}, k)));
      Value splat = b.create<vector::BroadcastOp>(loc, vecType, x);
      for (int64_t v = 0; v < kPanelVectors; ++v)
        next.push_back(b.create<vector::FMAOp>(loc, splat, panel[v],
                                               acc[i * kPanelVectors + v]));
    }
    return next;
  };
  // One k: C tile += A[rows, k] x panel[k], the panel widened (and for
  // int8, multiplied by the block's `scales`).
  auto step = [&](Value kk, ValueRange acc, ArrayRef<Value> scales) {
    Value kPacked = add(kOffset, kk);
    SmallVector<Value> panel;
    // Packed at load in B's element type; packed per call in f32.
    VectorType panelType =
        cast<MemRefType>(bPanel.getType()).getElementType() == f32
            ? vecType
            : rhsVecType;
    for (int64_t v = 0; v < kPanelVectors; ++v) {
      Value w = widen(b.create<vector::LoadOp>(
          loc, panelType, bPanel,
          ValueRange{slot, kPacked, index(v * kVectorWidth)}));
      panel.push_back(scales.empty()
                          ? w
                          : b.create<arith::MulFOp>(loc, w, scales[v]));
    }
    return fmaRows(add(k0, kk), panel, acc);
  };
  auto kLoop = [&](Value lb, Value ub, ValueRange init,
                   ArrayRef<Value> scales) {
    return b.create<scf::ForOp>(
        loc, lb, ub, index(1), init,
        [&](OpBuilder &nb, Location, Value kk, ValueRange acc) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          b.create<scf::YieldOp>(loc, step(kk, acc, scales));
        });
  };
  // int8 quads with an f32 A (Contraction::rhsIsWideQuads): per quad of k,
  // one load of each vector's 4 k x lanes bytes; byte j of each lane moved
  // to the top of its i32 (a shift) and the bytes below cleared (a mask) is
  // q * 2^24, converted exactly. In-lane integer ops: sign-extending 16
  // bytes to a vector (vpmovsxbd) crosses lanes, the bottleneck of the
  // panels kernel. The scales come times 2^-24, so that every product and
  // sum is the panels kernel's times a power of two: the same results,
  // in the same order (k alternating between `sets` as there).
  auto wideQuadsBlock = [&](Value kb, Value end, ValueRange acc,
                            ArrayRef<Value> scales, int64_t sets,
                            int64_t tileVectors) -> SmallVector<Value> {
    bool scaledPerK = sets < 1;
    int64_t setCount = std::max<int64_t>(sets, 1);
    assert(kQuad % setCount == 0 && "a quad's k go to the sets in turn");
    SmallVector<Value> init(acc);
    if (!scaledPerK)
      init.assign(tileVectors * setCount, zeros);
    // The k [kk, kk + count) of the quad at kk (a multiple of 4 from k0).
    auto quadStep = [&](Value kk, ValueRange sums, int64_t count) {
      Value quad =
          b.create<arith::DivUIOp>(loc, add(kOffset, kk), index(kQuad));
      SmallVector<Value> loaded;
      for (int64_t v = 0; v < kPanelVectors; ++v)
        loaded.push_back(loadQuadWords(bPanel, slot, quad, v));
      SmallVector<Value> next(sums);
      for (int64_t j = 0; j < count; ++j) {
        SmallVector<Value> panel;
        for (int64_t v = 0; v < kPanelVectors; ++v) {
          Value w = widenQuadLane(loaded[v], j);
          panel.push_back(
              scaledPerK ? b.create<arith::MulFOp>(loc, w, scales[v]) : w);
        }
        int64_t set = j % setCount;
        MutableArrayRef<Value> slice =
            MutableArrayRef<Value>(next).slice(set * tileVectors, tileVectors);
        SmallVector<Value> updated =
            fmaRows(add(k0, add(kk, index(j))), panel, slice);
        llvm::copy(updated, slice.begin());
      }
      return next;
    };
    Value quadEnd = wholeQuadsEnd(kb, end);
    auto quads = b.create<scf::ForOp>(
        loc, kb, quadEnd, index(kQuad), init,
        [&](OpBuilder &nb, Location, Value kk, ValueRange sums) {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          b.create<scf::YieldOp>(loc, quadStep(kk, sums, kQuad));
        });
    // One row streams the panel: 15 instructions per vector of 4 k, and
    // the loop waited on its loads.
    if (tileVectors == kPanelVectors)
      quads->setAttr(
          kPrefetchAheadAttr,
          b.getI64IntegerAttr(llvm::divideCeil(
              kStreamPrefetchBytes, kQuad * kVectorWidth * kPanelVectors)));
    SmallVector<Value> sums(quads.getResults());
    // K's last k past its whole quads (only the last block has them).
    if (int64_t tail = c.op.getStaticLoopRanges()[c.k] % kQuad) {
      Value shortQuad =
          b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, quadEnd, end);
      SmallVector<Type> types(sums.size(), vecType);
      sums = ifElse(
          shortQuad, types, [&] { return quadStep(quadEnd, sums, tail); },
          [&] { return sums; });
    }
    if (scaledPerK)
      return sums;
    SmallVector<Value> total(ArrayRef<Value>(sums).take_front(tileVectors));
    for (int64_t set = 1; set < setCount; ++set)
      for (int64_t i = 0; i < tileVectors; ++i)
        total[i] =
            b.create<arith::AddFOp>(loc, total[i], sums[set * tileVectors + i]);
    SmallVector<Value> next;
    for (int64_t i = 0; i < tileVectors; ++i)
      next.push_back(b.create<vector::FMAOp>(
          loc, total[i], scales[i % kPanelVectors], acc[i]));
    return next;
  };
  scf::ForOp loop;
  SmallVector<Value> result;
  if (amxTile) {
    Value pair0 = b.create<arith::DivUIOp>(loc, kOffset, index(2));
    amxKernel->emitProduct(amxAccumulator, roundedBF16, bPanel, slot, pair0,
                           kc, kPanelVectors);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t v = 0; v < kPanelVectors; ++v)
        result.push_back(b.create<vector::LoadOp>(
            loc, vecType, amxAccumulator,
            ValueRange{index(i), index(v * kVectorWidth)}));
  } else if (pairKernel) {
    Value pair0 = b.create<arith::DivUIOp>(loc, kOffset, index(2));
    loop = pairKernel->emitLoop(bPanel, slot, pair0, kc, roundedA, rows,
                                kPanelVectors, start);
  } else if (quadKernel) {
    Value firstBlock =
        b.createOrFold<arith::DivUIOp>(loc, k0, index(kInt8Block));
    Value endBlock = b.createOrFold<arith::CeilDivUIOp>(
        loc, b.createOrFold<arith::AddIOp>(loc, k0, kc), index(kInt8Block));
    loop =
        quadKernel->emitLoop(bPanel, c.rhsScales, slot, firstBlock, endBlock,
                             quadDepth, quantizedA, rows, kPanelVectors, start);
  } else if (!c.rhsScales ||
             cast<MemRefType>(bPanel.getType()).getElementType() == f32) {
    // f32 panels, packed per call or widened from int8 (scales applied).
    loop = kLoop(index(0), kc, start, {});
  } else {
    // int8: the scales of the panel's columns are loaded once per block of
    // 32 k (k0 and kOffset are multiples of the block). Where the registers
    // hold more sets of accumulators (one row), a block's products are
    // summed unscaled into fresh ones, k alternating between sets so that
    // consecutive FMAs do not wait on each other, and scaled once at the
    // block's end; a full row tile multiplies the weights by their scales
    // per k instead.
    int64_t tileVectors = rows * kPanelVectors;
    int64_t sets = std::min<int64_t>(
        kInt8PartialSets,
        (c.target.registers - 2 * kPanelVectors - 1) / tileVectors - 1);
    loop = b.create<scf::ForOp>(
        loc, index(0), kc, index(kInt8Block), start,
        [&](OpBuilder &nb, Location, Value kb, ValueRange acc) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          Value block = b.create<arith::DivUIOp>(loc, add(kOffset, kb),
                                                 index(kInt8Block));
          SmallVector<Value> scales = int8Scales(slot, block);
          Value end = min(add(kb, kInt8Block), kc);
          if (c.rhsIsWideQuads) {
            b.create<scf::YieldOp>(
                loc, wideQuadsBlock(kb, end, acc, scales, sets, tileVectors));
            return;
          }
          if (sets < 1) {
            b.create<scf::YieldOp>(loc,
                                   kLoop(kb, end, acc, scales).getResults());
            return;
          }
          // k = kb + j * sets + s goes to set s; an odd k past the last
          // whole round of sets (a short last block) to set 0.
          Value whole = end;
          if (sets > 1) {
            Value rounds = b.create<arith::DivUIOp>(loc, sub(end, kb),
                                                    index(sets));
            whole = add(kb, mul(rounds, sets));
          }
          SmallVector<Value> fresh(tileVectors * sets, zeros);
          auto interleaved = b.create<scf::ForOp>(
              loc, kb, whole, index(sets), fresh,
              [&](OpBuilder &ib, Location, Value kk, ValueRange sums) {
                OpBuilder::InsertionGuard g(b);
                b.setInsertionPoint(ib.getInsertionBlock(),
                                    ib.getInsertionPoint());
                SmallVector<Value> next;
                for (int64_t set = 0; set < sets; ++set)
                  llvm::append_range(
                      next, step(add(kk, set),
                                 sums.slice(set * tileVectors, tileVectors),
                                 {}));
                b.create<scf::YieldOp>(loc, next);
              });
          SmallVector<Value> sums(interleaved.getResults());
          if (sets > 1) {
            ValueRange first = ValueRange(sums).take_front(tileVectors);
            SmallVector<Value> rest(
                kLoop(whole, end, first, {}).getResults());
            for (int64_t set = 1; set < sets; ++set)
              for (int64_t i = 0; i < tileVectors; ++i)
                rest[i] = b.create<arith::AddFOp>(
                    loc, rest[i], sums[set * tileVectors + i]);
            sums = rest;
          }
          SmallVector<Value> next;
          for (int64_t i = 0; i < tileVectors; ++i)
            next.push_back(b.create<vector::FMAOp>(
                loc, sums[i], scales[i % kPanelVectors], acc[i]));
          b.create<scf::YieldOp>(loc, next);
        });
  }

  if (loop)
    result.assign(loop->result_begin(), loop->result_end());
  if (piece) {
    assert(rows == 1 && "a piece is one row's");
    for (int64_t v = 0; v < kPanelVectors; ++v)
      b.create<vector::StoreOp>(
          loc, result[v], piece->sums,
          ValueRange{piece->chunk, piece->panel, index(v * kVectorWidth)});
    return;
  }
  auto store = [&](bool withEpilogue) {
    Value to = withEpilogue ? epilogue.getDpsInits()[0] : out;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t v = 0; v < kPanelVectors; ++v) {
        Value x = result[i * kPanelVectors + v];
        Value mask = partial ? masks[v] : Value();
        if (withEpilogue)
          x = evaluateOnTile(epilogue, cIndices(i, v), mask, x);
        if (partial)
          b.create<vector::MaskedStoreOp>(loc, to, cIndices(i, v), mask, x);
        else
          b.create<vector::StoreOp>(loc, x, to, cIndices(i, v));
      }
    return SmallVector<Value>();
  };
  if (!epilogue) {
    store(false);
    return;
  }
  Value last = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                       add(k0, kc), loopSizes[c.k]);
  ifElse(last, {}, [&] { return store(true); }, [&] { return store(false); });
}

/// One thread takes the product as one group of kPanelsPerGroup panels (its
/// packed k block of B reused from L2 by every row tile) over all rows, as
/// before threads. More threads get at least kSharesPerThread iterations
/// each where the product has them, so that none waits long for the
/// slowest: first from narrower groups (free: each panel's k block is still
/// packed or read once), then, where B is packed at load, from blocks of
/// rows (each block reads B again; whole row tiles, so each row keeps its
/// kind of tile). Every element of C still sums its k terms in the same
/// order: the split changes no result.
Value KernelEmitter::wantedIterations(int64_t perThread) {
  Value one = index(1);
  Value many =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, threads, one);
  return b.create<arith::SelectOp>(loc, many, mul(threads, perThread), one);
}

KernelEmitter::WorkSplit KernelEmitter::splitWork(Value sizeM,
                                                  Value numPanels,
                                                  bool rowBlocks) {
  Value one = index(1);
  // The quad kernel quantizes A's rows once per group: narrower groups
  // repeat that work, so it is cut only into as many iterations as threads.
  Value wanted = wantedIterations(c.rhsIsQuads ? 1 : kSharesPerThread);
  Value batchSize = one;
  for (unsigned dim : outerDims)
    batchSize = b.create<arith::MulIOp>(loc, batchSize, loopSizes[dim]);
  Value panels = b.create<arith::MulIOp>(loc, batchSize, numPanels);
  WorkSplit split;
  split.panelsPerGroup =
      min(max(b.create<arith::DivUIOp>(loc, panels, wanted), one),
          index(kPanelsPerGroup));
  split.numGroups = ceilDiv(numPanels, split.panelsPerGroup);
  Value rowTiles = ceilDiv(sizeM, index(kRowTile));
  Value tilesPerBlock = max(rowTiles, one);
  if (rowBlocks) {
    Value groups = max(b.create<arith::MulIOp>(loc, batchSize, split.numGroups),
                       one);
    tilesPerBlock = max(ceilDiv(rowTiles, ceilDiv(wanted, groups)), one);
  }
  split.rowsPerBlock = mul(tilesPerBlock, kRowTile);
  split.numRowBlocks = ceilDiv(sizeM, split.rowsPerBlock);
  return split;
}

// A batch of decode steps (a few rows) or a prefill's last rows then share
// each load of the panel among as many rows as the registers hold, instead of
// reading it once per row with 3 FMA chains. Each row still sums its k terms
// in the same order whatever its tile (the int8 weight kernel's block sums
// depend on the tile's height, a function of M alone), so the thread count
// still changes no result.
void KernelEmitter::remainderTiles(
    Value begin, Value end, int64_t fullRows,
    function_ref<void(Value, Value, int64_t)> tiles) {
  Value at = begin;
  for (int64_t rows = fullRows / 2; rows > 1; rows /= 2) {
    Value last =
        add(at, mul(b.create<arith::DivUIOp>(loc, sub(end, at), index(rows)),
                    rows));
    tiles(at, last, rows);
    at = last;
  }
  tiles(at, end, 1);
}

void KernelEmitter::emit() {
  for (Range r : c.op.createLoopRanges(b, loc))
    loopSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  sizeN = loopSizes[c.n];
  sizeK = loopSizes[c.k];
  AffineMap mapB = c.op.getIndexingMapsArray()[1];
  for (unsigned dim : c.batch)
    (c.rhsIsPacked && !mapB.isFunctionOfDim(dim) ? rowDims : outerDims)
        .push_back(dim);
  // The rows: m and the folded batch dims.
  sizeM = loopSizes[c.m];
  for (unsigned dim : rowDims)
    sizeM = b.createOrFold<arith::MulIOp>(loc, sizeM, loopSizes[dim]);

  // Panels: full ones, then at most one partial panel at the end.
  fullPanels = b.createOrFold<arith::DivUIOp>(loc, sizeN, index(kPanelWidth));
  numPanels =
      b.createOrFold<arith::CeilDivUIOp>(loc, sizeN, index(kPanelWidth));

  if (c.rhsIsPairs)
    pairKernel.emplace(b, loc, kVectorWidth, c.bf16Dot);
  if (c.amx)
    amxKernel.emplace(b, loc);
  if (c.rhsIsQuads) {
    quadKernel.emplace(b, loc, kVectorWidth, c.int8Products);
    quadDepth = c.op.getStaticLoopRanges()[c.k];
  }
  if (c.rhsIsPairs || c.rhsIsQuads || c.rhsIsWideQuads)
    groupPanels = b.create<memref::CollapseShapeOp>(
        loc, c.op.getDpsInputs()[1],
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});

  // One row of a weight with few panels is cut along K too (where M is not
  // known, when it is one).
  std::optional<int64_t> staticM = getConstantIntValue(sizeM);
  std::optional<int64_t> staticK = getConstantIntValue(sizeK);
  std::optional<int64_t> staticPanels = getConstantIntValue(numPanels);
  int64_t chunkDepth = 0;
  // The pieces' scratch is shared by the function's products: none may
  // run inside another parallel loop.
  if (c.rhsIsPacked && outerDims.empty() && staticK && staticPanels &&
      (!staticM || *staticM == 1) &&
      !c.op->getParentOfType<scf::ParallelOp>() &&
      !c.op->getParentOfType<scf::ForallOp>())
    chunkDepth = decodeChunkDepth(*staticPanels, *staticK);
  if (!chunkDepth || chunkDepth >= *staticK) {
    emitGrouped(/*oneRowElsewhere=*/false);
    return;
  }
  if (staticM) {
    emitChunkedDecode(chunkDepth);
    return;
  }
  b.create<scf::IfOp>(
      loc,
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, sizeM, index(1)),
      [&](OpBuilder &nb, Location) {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        emitChunkedDecode(chunkDepth);
        b.create<scf::YieldOp>(loc);
      },
      [&](OpBuilder &nb, Location) {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        emitGrouped(/*oneRowElsewhere=*/true);
        b.create<scf::YieldOp>(loc);
      });
}

void KernelEmitter::emitGrouped(bool oneRowElsewhere) {
  Value zero = index(0), one = index(1);
  bool prepacked = c.rhsIsPacked;
  WorkSplit split = splitWork(sizeM, numPanels, prepacked);

  SmallVector<Value> lbs, ubs, steps;
  for (unsigned dim : outerDims) {
    lbs.push_back(zero);
    ubs.push_back(loopSizes[dim]);
    steps.push_back(one);
  }
  for (Value size : {split.numRowBlocks, split.numGroups}) {
    lbs.push_back(zero);
    ubs.push_back(size);
    steps.push_back(one);
  }

  auto parallel = b.create<scf::ParallelOp>(loc, lbs, ubs, steps);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(parallel.getBody());
  ValueRange ivs = parallel.getInductionVars();
  SmallVector<Value> batch(ivs.drop_back(2));
  Value rowBlock = ivs[ivs.size() - 2], group = ivs.back();
  Value firstRow = b.create<arith::MulIOp>(loc, rowBlock, split.rowsPerBlock);
  Value endRow = min(add(firstRow, split.rowsPerBlock), sizeM);
  // Blocks are whole row tiles: only the last can end in single rows.
  Value endTiles = add(
      firstRow, mul(b.create<arith::DivUIOp>(loc, sub(endRow, firstRow),
                                             index(kRowTile)),
                    kRowTile));
  Value firstPanel = b.create<arith::MulIOp>(loc, group, split.panelsPerGroup);
  Value endPanel = min(add(firstPanel, split.panelsPerGroup), numPanels);
  Value endFull = min(endPanel, fullPanels);
  Value hasPartial =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, endFull,
                              endPanel);

  Value pack;
  // An int8 weight read by full row tiles of an f32 A is widened (and
  // scaled) once per k block into the f32 pack, which every full tile of
  // the row block then reads as an f32 panel: the widening costs once per
  // block of rows, not once per tile. The same products in the same order
  // as the int8 tile (w * scale, then the FMA): the same results. Rows past
  // the full tiles keep the int8 tiles, whose block sums k blocks of 256
  // leave whole.
  bool widenInt8 = prepacked && c.rhsScales && !quadKernel;
  if (widenInt8)
    if (auto module = c.op->getParentOfType<ModuleOp>())
      module->setAttr(kNoMachineSchedulerAttr, b.getUnitAttr());
  if (!prepacked || widenInt8) {
    // 384 KiB on the stack of the thread that runs the group (freed at the
    // end of each iteration of the loops around it: ScopeLoopAllocas), so
    // that the forward pass calls no malloc.
    auto packType = MemRefType::get(
        {kPanelsPerGroup, kDepthBlock, kPanelWidth}, f32);
    pack = b.create<memref::AllocaOp>(loc, packType, b.getI64IntegerAttr(64));
  }

  int64_t depth = depthBlockOf(c.rhsElement, prepacked);
  if (amxKernel) {
    // One scratch, two views: bf16 pairs as i32 words (PairKernel, which
    // rounds the rows) and as bf16 rows (AMX's tiles of A).
    auto bytes = b.create<memref::AllocaOp>(
        loc, MemRefType::get({kRowTile * depth * 2}, b.getI8Type()),
        b.getI64IntegerAttr(64));
    roundedA = b.create<memref::ViewOp>(
        loc, pairKernel->scratchType(kRowTile, depth), bytes, zero,
        ValueRange{});
    roundedBF16 = b.create<memref::ViewOp>(
        loc, MemRefType::get({kRowTile, depth}, b.getBF16Type()), bytes, zero,
        ValueRange{});
    amxAccumulator = b.create<memref::AllocaOp>(
        loc, amxKernel->accumulatorType(kPanelWidth), b.getI64IntegerAttr(64));
  } else if (pairKernel) {
    roundedA = b.create<memref::AllocaOp>(
        loc, pairKernel->scratchType(kRowTile, depth), b.getI64IntegerAttr(64));
  }
  Value bPanels = groupPanels ? groupPanels
                  : prepacked ? c.op.getDpsInputs()[1]
                              : pack;
  auto columnsFrom = [&](Value panel) {
    Value n0 = mul(panel, kPanelWidth);
    return std::pair{n0, sub(sizeN, n0)};
  };
  // The full panels of the group, then its partial one if any.
  auto forPanels = [&](function_ref<void(Value panel, bool partial)> body) {
    forLoop(firstPanel, endFull, 1, [&](Value panel) { body(panel, false); });
    b.create<scf::IfOp>(loc, hasPartial, [&](OpBuilder &nb, Location) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
      body(endFull, true);
      b.create<scf::YieldOp>(loc);
    });
  };

  auto blocked = [&] {
    // Widened int8 panels: full tiles read the pack (where the block has at
    // least two: one tile would widen as much as it saves), in k blocks of
    // the pack's depth; otherwise the longer k blocks of B's type (a few
    // rows read each panel as one longer stream).
    Value widened;
    Value kDepth = index(depth);
    if (widenInt8) {
      widened =
          b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge,
                                  sub(endTiles, firstRow), index(2 * kRowTile));
      kDepth =
          b.create<arith::SelectOp>(loc, widened, index(kDepthBlock), kDepth);
    }
    auto kBlocks = b.create<scf::ForOp>(loc, zero, sizeK, kDepth);
    OpBuilder::InsertionGuard kGuard(b);
    b.setInsertionPointToStart(kBlocks.getBody());
    Value k0 = kBlocks.getInductionVar();
    Value kc = min(kDepth, sub(sizeK, k0));
    // The panel of column n0 is bPanels[slot][kOffset + kk] for kk < kc.
    auto panelAt = [&](Value panel) -> std::pair<Value, Value> {
      if (prepacked)
        return {panel, k0};
      return {sub(panel, firstPanel), zero};
    };
    if (!prepacked)
      forPanels([&](Value panel, bool partial) {
        auto [n0, cols] = columnsFrom(panel);
        emitPack(batch, pack, panelAt(panel).first, n0, cols, k0, kc, partial);
      });
    if (widened) {
      b.create<scf::IfOp>(loc, widened, [&](OpBuilder &nb, Location) {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        forPanels([&](Value panel, bool) {
          emitWidenInt8(bPanels, panel, pack, sub(panel, firstPanel), k0, kc);
        });
        b.create<scf::YieldOp>(loc);
      });
      }
      auto tiles = [&](Value mBegin, Value mEnd, int64_t rows) {
        forLoop(mBegin, mEnd, rows, [&](Value m0) {
          SmallVector<SmallVector<Value>> tileRows = tileRowIvs(m0, rows);
          if (pairKernel) {
            pairKernel->roundRows(
                c.op.getDpsInputs()[0],
                [&](int64_t i, Value j) {
                  return indicesOf(0,
                                   loopIvs(batch, tileRows[i], {}, add(k0, j)));
                },
                rows, kc, roundedA);
          }
          forPanels([&](Value panel, bool partial) {
            auto [n0, cols] = columnsFrom(panel);
            auto [slot, kOffset] = panelAt(panel);
            emitTile(batch, tileRows, bPanels, slot, kOffset, n0, cols, k0, kc,
                     partial);
          });
        });
      };
      if (widened) {
        // The full tiles from the pack, else (fewer than two) as int8.
        b.create<scf::IfOp>(
            loc, widened,
            [&](OpBuilder &nb, Location) {
              OpBuilder::InsertionGuard g(b);
              b.setInsertionPoint(nb.getInsertionBlock(),
                                  nb.getInsertionPoint());
              forLoop(firstRow, endTiles, kRowTile, [&](Value m0) {
                SmallVector<SmallVector<Value>> tileRows =
                    tileRowIvs(m0, kRowTile);
                forPanels([&](Value panel, bool partial) {
                  auto [n0, cols] = columnsFrom(panel);
                  emitTile(batch, tileRows, pack, sub(panel, firstPanel), zero,
                           n0, cols, k0, kc, partial);
                });
              });
              b.create<scf::YieldOp>(loc);
            },
            [&](OpBuilder &nb, Location) {
              OpBuilder::InsertionGuard g(b);
              b.setInsertionPoint(nb.getInsertionBlock(),
                                  nb.getInsertionPoint());
              tiles(firstRow, endTiles, kRowTile);
              b.create<scf::YieldOp>(loc);
            });
      } else {
        tiles(firstRow, endTiles, kRowTile);
      }
      remainderTiles(endTiles, endRow, kRowTile, tiles);
  };
  // One row (a decode step's matrix-vector product) of a weight packed at
  // load: each panel in one tile over all of K, so that the group's panels,
  // contiguous in memory, are read as one stream, where k blocks would jump
  // between panels every block. Each element of C still sees its k terms in
  // order: the same results. The bf16 pair kernel first rounds the row over
  // all of K into a scratch of its own (K must be static).
  std::optional<int64_t> staticK = getConstantIntValue(sizeK);
  auto decode = [&] {
    llvm::SaveAndRestore<Value> rowScratch(roundedA);
    if (pairKernel) {
      roundedA = b.create<memref::AllocaOp>(
          loc,
          pairKernel->scratchType(1, llvm::alignTo(*staticK, kVectorWidth)),
          b.getI64IntegerAttr(64));
      pairKernel->roundRows(
          c.op.getDpsInputs()[0],
          [&](int64_t, Value j) {
            return indicesOf(0, loopIvs(batch, rowIvs(zero), {}, j));
          },
          1, sizeK, roundedA);
    }
    forPanels([&](Value panel, bool partial) {
      auto [n0, cols] = columnsFrom(panel);
      emitTile(batch, tileRowIvs(zero, 1), bPanels, panel, zero, n0, cols, zero,
               sizeK, partial);
    });
  };
  // int8 quads: A's rows quantized once per row tile, each panel's tile over
  // all of K (no k blocks: the quantized rows span K).
  auto quads = [&] {
    int64_t rows = QuadKernel::rowTile(c.target);
    quantizedA = quadKernel->allocScratch(rows, quadDepth);
    auto tiles = [&](Value mBegin, Value mEnd, int64_t tileRows) {
      forLoop(mBegin, mEnd, tileRows, [&](Value m0) {
        SmallVector<SmallVector<Value>> rowsAt = tileRowIvs(m0, tileRows);
        quadKernel->quantizeRows(
            c.op.getDpsInputs()[0],
            [&](int64_t i, Value j) {
              return indicesOf(0, loopIvs(batch, rowsAt[i], {}, j));
            },
            tileRows, quadDepth, quantizedA);
        forPanels([&](Value panel, bool partial) {
          auto [n0, cols] = columnsFrom(panel);
          emitTile(batch, rowsAt, bPanels, panel, zero, n0, cols, zero, sizeK,
                   partial);
        });
      });
    };
    // The block's rows (whole 8-row tiles, so whole quad tiles too).
    Value fullTiles = add(
        firstRow, mul(b.create<arith::DivUIOp>(loc, sub(endRow, firstRow),
                                               index(rows)),
                      rows));
    tiles(firstRow, fullTiles, rows);
    remainderTiles(fullTiles, endRow, rows, tiles);
  };
  std::optional<int64_t> staticM = getConstantIntValue(sizeM);
  if (quadKernel)
    quads();
  else if (!prepacked || (pairKernel && !staticK) ||
           (staticM && *staticM != 1) || (!staticM && oneRowElsewhere))
    blocked();
  else if (staticM)
    decode();
  else
    b.create<scf::IfOp>(
        loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, sizeM, one),
        [&](OpBuilder &nb, Location) {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          decode();
          b.create<scf::YieldOp>(loc);
        },
        [&](OpBuilder &nb, Location) {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          blocked();
          b.create<scf::YieldOp>(loc);
        });
}

// Pieces in memory order: a thread's contiguous range of them is one
// contiguous run of the packed weight ([panel][K][48], chunks of a panel
// after each other), as with whole panels.
void KernelEmitter::emitChunkedDecode(int64_t chunkDepth) {
  int64_t depth = *getConstantIntValue(sizeK);
  int64_t panels = *getConstantIntValue(numPanels);
  int64_t chunks = llvm::divideCeil(depth, chunkDepth);
  int64_t pieces = panels * chunks;
  Value zero = index(0), one = index(1);
  Value sums = pieceScratch.view(
      b, loc, MemRefType::get({chunks, panels, kPanelWidth}, f32));
  // `items` cut into about `perThread` iterations per thread (one on one
  // thread): the count of items per iteration.
  auto itemsPerIteration = [&](int64_t items, int64_t perThread) {
    return max(b.create<arith::DivUIOp>(loc, index(items),
                                        wantedIterations(perThread)),
               one);
  };
  // Over the items [first, end) of iteration `iv` of `perIteration` each.
  auto parallelOver = [&](int64_t items, Value perIteration,
                          function_ref<void(Value, Value)> body) {
    auto loop = b.create<scf::ParallelOp>(
        loc, ValueRange{zero}, ValueRange{ceilDiv(index(items), perIteration)},
        ValueRange{one});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value first =
        b.create<arith::MulIOp>(loc, loop.getInductionVars()[0], perIteration);
    body(first, min(add(first, perIteration), index(items)));
  };
  Value bPanels = groupPanels ? groupPanels : c.op.getDpsInputs()[1];
  SmallVector<SmallVector<Value>> row = tileRowIvs(zero, 1);
  auto rowAt = [&](int64_t, Value j) {
    return indicesOf(0, loopIvs({}, row[0], {}, j));
  };

  // The quad kernel quantizes the row once per iteration (as per group):
  // as many iterations as threads.
  parallelOver(
      pieces, itemsPerIteration(pieces, quadKernel ? 1 : kSharesPerThread),
      [&](Value first, Value end) {
        llvm::SaveAndRestore<Value> rounded(roundedA);
        llvm::SaveAndRestore<QuadKernel::Scratch> quantized(quantizedA);
        if (pairKernel) {
          roundedA = b.create<memref::AllocaOp>(
              loc,
              pairKernel->scratchType(1, llvm::alignTo(depth, kVectorWidth)),
              b.getI64IntegerAttr(64));
          pairKernel->roundRows(c.op.getDpsInputs()[0], rowAt, 1, sizeK,
                                roundedA);
        }
        if (quadKernel) {
          quantizedA = quadKernel->allocScratch(1, quadDepth);
          quadKernel->quantizeRows(c.op.getDpsInputs()[0], rowAt, 1, quadDepth,
                                   quantizedA);
        }
        Value wholeRow = roundedA;
        forLoop(first, end, 1, [&](Value at) {
          Value panel = b.create<arith::DivUIOp>(loc, at, index(chunks));
          Value chunk = b.create<arith::RemUIOp>(loc, at, index(chunks));
          Value k0 = mul(chunk, chunkDepth);
          Value kc = min(index(chunkDepth), sub(sizeK, k0));
          if (pairKernel) {
            // The pair kernel reads the rounded row from its first k.
            auto type = cast<MemRefType>(wholeRow.getType());
            Value from = type.getElementType() == f32
                             ? k0
                             : b.create<arith::DivUIOp>(loc, k0, index(2));
            SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), from};
            SmallVector<OpFoldResult> sizes{
                b.getIndexAttr(1), sub(index(type.getDimSize(1)), from)};
            SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
            roundedA = b.create<memref::SubViewOp>(loc, wholeRow, offsets,
                                                   sizes, strides);
          }
          PieceSums piece{sums, chunk, panel};
          emitTile({}, row, bPanels, panel, k0, zero, zero, k0, kc,
                   /*partial=*/false, &piece);
        });
      });

  // Each column: its start plus its chunks' sums, in chunk order.
  unsigned cOperand = c.op.getDpsInitOperand(0)->getOperandNumber();
  Value out = c.op.getDpsInits()[0];
  Value to = epilogue ? epilogue.getDpsInits()[0] : out;
  parallelOver(
      panels, itemsPerIteration(panels, kSharesPerThread),
      [&](Value first, Value end) {
        forLoop(first, end, 1, [&](Value panel) {
          for (int64_t v = 0; v < kPanelVectors; ++v) {
            Value n = add(mul(panel, kPanelWidth), v * kVectorWidth);
            // All lanes but past N (a partial last panel).
            Value mask = b.create<vector::CreateMaskOp>(
                loc, maskType, ValueRange{sub(sizeN, n)});
            SmallVector<Value> at =
                indicesOf(cOperand, loopIvs({}, row[0], n, {}));
            Value start = init ? evaluateOnTile(init, at, mask, {})
                               : b.create<vector::MaskedLoadOp>(
                                     loc, vecType, out, at, mask,
                                     b.create<arith::ConstantOp>(
                                         loc, b.getZeroAttr(vecType)));
            auto total = b.create<scf::ForOp>(
                loc, zero, index(chunks), one, ValueRange{start},
                [&](OpBuilder &nb, Location, Value chunk, ValueRange acc) {
                  Value part = nb.create<vector::LoadOp>(
                      loc, vecType, sums,
                      ValueRange{chunk, panel, index(v * kVectorWidth)});
                  nb.create<scf::YieldOp>(
                      loc,
                      ValueRange{nb.create<arith::AddFOp>(loc, acc[0], part)});
                });
            Value x = total.getResult(0);
            if (epilogue)
              x = evaluateOnTile(epilogue, at, mask, x);
            b.create<vector::MaskedStoreOp>(loc, to, at, mask, x);
          }
        });
      });
}

/// Folds the loops that index rows of A and C but not B (the batch and
/// sequence loops of a projection) into the row loop, so that B is packed
/// once for all of them and row tiles span sequence boundaries. Only where
/// the folded dimensions of A and C are contiguous in memory (a view).
Contraction foldRowLoops(RewriterBase &rewriter, Contraction c) {
  auto generic = dyn_cast<linalg::GenericOp>(c.op.getOperation());
  AffineMap mapB = c.op.getIndexingMapsArray()[1];
  SmallVector<int64_t> rows;
  for (unsigned dim : c.batch)
    if (!mapB.isFunctionOfDim(dim))
      rows.push_back(dim);
  // A packed B is not packed per call: nothing to share. (Its map is no
  // projected permutation, which collapsing needs.)
  if (!generic || rows.empty() || c.rhsIsPacked)
    return c;
  rows.push_back(c.m);
  for (auto [i, dim] : llvm::enumerate(rows))
    if (dim != rows.front() + static_cast<int64_t>(i))
      return c;
  SmallVector<ReassociationIndices> folded{ReassociationIndices(rows.begin(), rows.end())};
  if (!linalg::areDimSequencesPreserved(c.op.getIndexingMapsArray(), folded))
    return c;
  // The folded dims must also collapse as memory views.
  for (unsigned operand : {0u, 2u}) {
    AffineMap map = c.op.getIndexingMapsArray()[operand];
    auto type = cast<MemRefType>(c.op->getOperand(operand).getType());
    SmallVector<ReassociationIndices> groups;
    for (unsigned r = 0; r < map.getNumResults(); ++r) {
      unsigned dim = cast<AffineDimExpr>(map.getResult(r)).getPosition();
      bool continues = !groups.empty() && llvm::is_contained(rows, dim) &&
                       dim != static_cast<unsigned>(rows.front());
      if (continues)
        groups.back().push_back(r);
      else
        groups.push_back({static_cast<int64_t>(r)});
    }
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups))
      return c;
  }
  rewriter.setInsertionPoint(c.op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(c.op, folded, rewriter);
  if (failed(collapsed))
    return c;
  rewriter.eraseOp(c.op);
  std::optional<Contraction> refolded = matchContraction(collapsed->collapsedOp);
  assert(refolded && "folding row loops keeps a contraction");
  return *refolded;
}

/// The thread count parallel loops get, read once at the start of `func`
/// (one call, before any parallel region: nothing between the regions that
/// attnc-merge-parallel-regions joins). libomp's own function: the runtime
/// sets it with omp_set_num_threads.
Value threadCountAt(func::FuncOp func) {
  constexpr StringLiteral kMaxThreads = "omp_get_max_threads";
  auto module = func->getParentOfType<ModuleOp>();
  OpBuilder b(module.getContext());
  Location loc = func.getLoc();
  auto callee = module.lookupSymbol<func::FuncOp>(kMaxThreads);
  if (!callee) {
    b.setInsertionPointToEnd(module.getBody());
    callee = b.create<func::FuncOp>(
        loc, kMaxThreads, b.getFunctionType({}, {b.getI32Type()}));
    callee.setPrivate();
  }
  b.setInsertionPointToStart(&func.getBody().front());
  Value count = b.create<func::CallOp>(loc, callee).getResult(0);
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), count);
}

struct LowerContractionsPass
    : attnc::impl::LowerContractionsBase<LowerContractionsPass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp func : funcs)
      if (!func.isExternal())
        lowerIn(func);
    // A product whose input is to be quantized has no other lowering.
    WalkResult left = getOperation().walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(kQuantizeLhsAttr))
        return WalkResult::advance();
      op->emitOpError("with '")
          << kQuantizeLhsAttr
          << "' is not an int8 quads product the kernels implement (f32 A "
             "with rows along k, i8 B in panel quads with its scales, static "
             "K)";
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }

  void lowerIn(func::FuncOp func) {
    SmallVector<Contraction> found;
    func.walk([&](linalg::LinalgOp op) {
      if (std::optional<Contraction> c = matchContraction(op))
        found.push_back(*c);
    });
    if (found.empty())
      return;
    Value threads = threadCountAt(func);
    PieceScratch pieceScratch(func);
    IRRewriter rewriter(&getContext());
    DominanceInfo dominance(func);
    for (Contraction c : found) {
      c = foldRowLoops(rewriter, c);
      linalg::LinalgOp init;
      linalg::GenericOp epilogue;
      // Fused ops are computed only inside the k loop: K must be known and
      // nonzero.
      SmallVector<int64_t> ranges = c.op.getStaticLoopRanges();
      if (c.rhsIsPacked && !ShapedType::isDynamic(ranges[c.k]) &&
          ranges[c.k] > 0) {
        init = matchInit(c);
        epilogue = matchEpilogue(c);
        if (epilogue && (!epilogue->hasAttr(kEpilogueAttr) ||
                         !dominance.properlyDominates(
                             epilogue.getDpsInits()[0], c.op)))
          epilogue = nullptr;
      }
      rewriter.setInsertionPoint(c.op);
      KernelEmitter(rewriter, c, init, epilogue, threads, pieceScratch).emit();
      rewriter.eraseOp(c.op);
      if (init)
        rewriter.eraseOp(init);
      if (epilogue)
        rewriter.eraseOp(epilogue);
    }
    pieceScratch.finish();
  }
};

} // namespace
