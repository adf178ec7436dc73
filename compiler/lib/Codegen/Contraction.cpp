//===- Contraction.cpp - Matrix products that get a vector kernel ---------===//
#include "attnc/Codegen/Contraction.h"
#include "attnc/Codegen/AmxKernel.h"
#include "attnc/Codegen/QuadKernel.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace attnc::codegen {

namespace {

Operation *onlyUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

/// `extf(truncf(a to bf16) to f32)`, the only use of `a`: a rounded to bf16
/// (panel_pairs); null otherwise.
Value roundedToBF16(Value a) {
  auto trunc = dyn_cast_or_null<arith::TruncFOp>(onlyUser(a));
  if (!trunc || !trunc.getType().isBF16())
    return {};
  auto ext = dyn_cast_or_null<arith::ExtFOp>(onlyUser(trunc.getResult()));
  return ext && ext.getType() == a.getType() ? ext.getResult() : Value();
}

/// The body is `yield out + a * b` (either operand order), b possibly
/// widened first (`arith.extf`: a bf16/f16 weight), or, with a scale
/// argument, `yield out + a * (sitofp(q) * s)` (an int8 weight; s possibly
/// widened first: f16 scales). a may be rounded to bf16 first
/// (`roundsLhs`).
bool isMultiplyAccumulate(Block &body, bool &roundsLhs) {
  bool scaled = body.getNumArguments() == 4;
  if (body.getNumArguments() != 3 && !scaled)
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  size_t expectedOps = 3;
  roundsLhs = false;
  if (Value rounded = roundedToBF16(a)) {
    a = rounded;
    roundsLhs = true;
    expectedOps += 2;
  }
  if (scaled) {
    auto widen = dyn_cast_or_null<arith::SIToFPOp>(onlyUser(b));
    auto scale = widen ? dyn_cast_or_null<arith::MulFOp>(
                             onlyUser(widen.getResult()))
                       : nullptr;
    Value s = body.getArgument(2);
    if (s.getType() != a.getType()) {
      auto ext = dyn_cast_or_null<arith::ExtFOp>(onlyUser(s));
      if (!ext)
        return false;
      s = ext.getResult();
      expectedOps += 1;
    }
    if (!b.getType().isInteger(8) || !scale ||
        !((scale.getLhs() == widen.getResult() && scale.getRhs() == s) ||
          (scale.getRhs() == widen.getResult() && scale.getLhs() == s)))
      return false;
    b = scale.getResult();
    expectedOps += 2;
  } else if (b.getType() != a.getType()) {
    auto ext = dyn_cast_or_null<arith::ExtFOp>(onlyUser(b));
    if (!ext)
      return false;
    b = ext.getResult();
    expectedOps += 1;
  }
  if (body.getOperations().size() != expectedOps)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto addf = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!addf)
    return false;
  Value acc = body.getArguments().back();
  Value product = addf.getLhs() == acc ? addf.getRhs() : addf.getLhs();
  if (addf.getLhs() != acc && addf.getRhs() != acc)
    return false;
  auto mulf = product.getDefiningOp<arith::MulFOp>();
  if (!mulf)
    return false;
  return (mulf.getLhs() == a && mulf.getRhs() == b) ||
         (mulf.getLhs() == b && mulf.getRhs() == a);
}

SmallVector<unsigned> dimsOf(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(cast<AffineDimExpr>(e).getPosition());
  return dims;
}

/// (n floordiv W, k floordiv kBlock, n mod W): a weight packed at load into
/// panels of W (kBlock 1), or the scales of an int8 one (kBlock 32).
bool isPackedWeightMap(AffineMap map, unsigned n, unsigned k, int64_t width,
                       int64_t kBlock = 1) {
  MLIRContext *ctx = map.getContext();
  AffineExpr dn = getAffineDimExpr(n, ctx), dk = getAffineDimExpr(k, ctx);
  return map.getNumResults() == 3 &&
         map.getResult(0) == dn.floorDiv(width) &&
         map.getResult(1) == (kBlock == 1 ? dk : dk.floorDiv(kBlock)) &&
         map.getResult(2) == dn % width;
}

/// The f16 or f32 scales of int8 panels, [panels][ceil(K / 32)][W], read by
/// `map`.
bool arePackedScales(Value scales, AffineMap map, unsigned n, unsigned k,
                     int64_t width) {
  auto type = cast<MemRefType>(scales.getType());
  return isPackedWeightMap(map, n, k, width, kInt8Block) &&
         type.getRank() == 3 && type.getDimSize(2) == width &&
         hasUnitInnerStride(scales);
}

/// (n floordiv W, k floordiv G, n mod W, k mod G): panels of groups of G k
/// side by side, bf16 pairs (G = 2) or int8 quads (G = 4).
bool isGroupsMap(AffineMap map, unsigned n, unsigned k, int64_t width,
                 int64_t group) {
  MLIRContext *ctx = map.getContext();
  AffineExpr dn = getAffineDimExpr(n, ctx), dk = getAffineDimExpr(k, ctx);
  return map.getNumResults() == 4 &&
         map.getResult(0) == dn.floorDiv(width) &&
         map.getResult(1) == dk.floorDiv(group) &&
         map.getResult(2) == dn % width && map.getResult(3) == dk % group;
}

/// A memref [panels][rows][W][G] whose last two dims collapse.
bool isGroupsBuffer(Value buffer, int64_t width, int64_t group) {
  auto type = cast<MemRefType>(buffer.getType());
  return type.getRank() == 4 && type.getDimSize(2) == width &&
         type.getDimSize(3) == group &&
         memref::CollapseShapeOp::isGuaranteedCollapsible(
             type, {{0}, {1}, {2, 3}});
}

} // namespace

std::optional<Contraction> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() ||
      (op.getNumDpsInputs() != 2 && op.getNumDpsInputs() != 3) ||
      op.getNumDpsInits() != 1 || op->getNumRegions() != 1)
    return std::nullopt;
  bool roundsLhs = false;
  if (!isMultiplyAccumulate(op->getRegion(0).front(), roundsLhs))
    return std::nullopt;
  bool scaled = op.getNumDpsInputs() == 3;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    Type element = type ? type.getElementType() : Type();
    bool narrowRhs =
        operand.getOperandNumber() == 1 &&
        (scaled ? element && element.isInteger(8)
                : isa_and_nonnull<BFloat16Type, Float16Type>(element));
    bool halfScales = scaled && operand.getOperandNumber() == 2 &&
                      isa_and_nonnull<Float16Type>(element);
    if (!element || (!element.isF32() && !narrowRhs && !halfScales))
      return std::nullopt;
  }

  Contraction c;
  c.op = op;
  c.rhsElement =
      cast<MemRefType>(op.getDpsInputs()[1].getType()).getElementType();
  c.target = getVectorTarget(op);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> reductions;
  for (auto [i, it] : llvm::enumerate(iterators))
    if (it == utils::IteratorType::reduction)
      reductions.push_back(i);
  if (reductions.size() != 1)
    return std::nullopt;
  c.k = reductions.front();

  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap mapA = maps[0], mapB = maps[1], mapC = maps.back();
  if (!mapA.isProjectedPermutation() || !mapC.isProjectedPermutation() ||
      mapC.getNumResults() < 2 || mapC.getNumResults() + 1 != op.getNumLoops())
    return std::nullopt;
  SmallVector<unsigned> dimsC = dimsOf(mapC), dimsA = dimsOf(mapA);
  c.n = dimsC.back();
  c.m = dimsC[dimsC.size() - 2];
  c.batch.assign(dimsC.begin(), dimsC.end() - 2);
  if (!hasUnitInnerStride(op.getDpsInits()[0]))
    return std::nullopt;

  // A reads m and k, and maybe batch dims; never n.
  if (!llvm::is_contained(dimsA, c.m) || !llvm::is_contained(dimsA, c.k) ||
      llvm::is_contained(dimsA, c.n))
    return std::nullopt;

  Value rhs = op.getDpsInputs()[1];
  int64_t width = c.target.panelWidth();
  // Rounding A is the pairs kernel's (only bf16 pairs round A; A is rounded
  // a row of k at a time).
  bool rowsOfK =
      dimsA.back() == c.k && hasUnitInnerStride(op.getDpsInputs()[0]);
  // Quantizing A is the quad kernel's, as rounding A is the pairs kernel's.
  if (op->hasAttr(kQuantizeLhsAttr)) {
    if (!scaled || roundsLhs || !isGroupsMap(mapB, c.n, c.k, width, kQuad) ||
        !isGroupsBuffer(rhs, width, kQuad) || !rowsOfK ||
        ShapedType::isDynamic(op.getStaticLoopRanges()[c.k]))
      return std::nullopt;
    c.rhsScales = op.getDpsInputs()[2];
    if (!arePackedScales(c.rhsScales, maps[2], c.n, c.k, width))
      return std::nullopt;
    c.rhsIsPacked = c.rhsIsQuads = true;
    c.int8Products = quadProductsFor(c.target, getTargetRecord(op).features);
    return c;
  }
  // int8 quads read with an f32 A.
  if (scaled && !roundsLhs && isGroupsMap(mapB, c.n, c.k, width, kQuad)) {
    c.rhsScales = op.getDpsInputs()[2];
    if (!isGroupsBuffer(rhs, width, kQuad) ||
        !arePackedScales(c.rhsScales, maps[2], c.n, c.k, width) ||
        ShapedType::isDynamic(op.getStaticLoopRanges()[c.k]))
      return std::nullopt;
    c.rhsIsPacked = c.rhsIsWideQuads = true;
    return c;
  }
  if (roundsLhs != isGroupsMap(mapB, c.n, c.k, width, 2))
    return std::nullopt;
  if (roundsLhs) {
    if (scaled || !c.rhsElement.isBF16() || !rowsOfK ||
        !isGroupsBuffer(rhs, width, 2))
      return std::nullopt;
    c.rhsIsPacked = c.rhsIsPairs = true;
    TargetRecord record = getTargetRecord(op);
    c.bf16Dot = c.target.lanes == 16 &&
                llvm::is_contained(record.features, "avx512bf16");
    c.amx = c.bf16Dot &&
            AmxKernel::usesAmx(c.target, record.features,
                               op.getStaticLoopRanges()[c.k]);
    return c;
  }
  // A weight packed at load is the same for every batch index (the batch
  // and sequence loops of a projection).
  if (isPackedWeightMap(mapB, c.n, c.k, width)) {
    c.rhsIsPacked = true;
    auto type = cast<MemRefType>(rhs.getType());
    if (type.getDimSize(2) != width || !hasUnitInnerStride(rhs))
      return std::nullopt;
    if (scaled) {
      // An int8 weight: its scales are packed as its panels are.
      c.rhsScales = op.getDpsInputs()[2];
      if (!arePackedScales(c.rhsScales, maps[2], c.n, c.k, width))
        return std::nullopt;
    }
    return c;
  }
  // int8 weights are read only packed.
  if (scaled || !mapB.isProjectedPermutation())
    return std::nullopt;
  SmallVector<unsigned> dimsB = dimsOf(mapB);
  if (!llvm::is_contained(dimsB, c.n) || !llvm::is_contained(dimsB, c.k) ||
      llvm::is_contained(dimsB, c.m))
    return std::nullopt;
  c.rhsIsKN = dimsB.back() == c.n && hasUnitInnerStride(rhs);
  return c;
}

int64_t depthBlockOf(Type rhsElement, bool rhsIsPacked) {
  // Packed per call, B is copied into f32 scratch of kDepthBlock rows.
  if (!rhsIsPacked)
    return kDepthBlock;
  return kDepthBlock * 32 / rhsElement.getIntOrFloatBitWidth();
}

int64_t decodeChunkDepth(int64_t numPanels, int64_t depth) {
  if (numPanels < 1)
    return depth;
  int64_t chunks = std::min<int64_t>(llvm::divideCeil(kDecodePieces, numPanels),
                                     depth / kMinChunkDepth);
  if (chunks <= 1)
    return depth;
  return llvm::alignTo(llvm::divideCeil(depth, chunks), kInt8Block);
}

bool hasUnitInnerStride(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  return type && type.getRank() > 0 && isLastMemrefDimUnitStride(type);
}

Value loadScales(OpBuilder &b, Location loc, VectorType type, Value scales,
                 ValueRange indices) {
  Type element = cast<MemRefType>(scales.getType()).getElementType();
  if (element == type.getElementType())
    return b.create<vector::LoadOp>(loc, type, scales, indices);
  Value narrow = b.create<vector::LoadOp>(
      loc, VectorType::get(type.getShape(), element), scales, indices);
  return b.create<arith::ExtFOp>(loc, type, narrow);
}

} // namespace attnc::codegen
