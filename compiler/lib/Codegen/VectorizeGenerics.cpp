//===- VectorizeGenerics.cpp - Linalg ops as loops over 16-lane vectors ---===//
//
// What LowerContractions leaves (elementwise ops, broadcasts, copies through
// index maps such as head split and merge, reductions along the last
// dimension such as softmax or normalization statistics) becomes loops whose
// innermost loop handles 16 elements per step with vector ops. The op's
// body, arith and math ops on scalars, is cloned lane-wise.
//
// The vectorized loop is
//  - for a reduction along the innermost loop that no output indexes: that
//    loop, with one vector accumulator per output (16 partial results,
//    combined once per row: no horizontal reduction per step);
//  - otherwise the loop that indexes the innermost dimension of the first
//    output, which must be parallel (interchanged innermost if needed).
// Each operand is then read, along that loop, as a broadcast scalar (it
// does not depend on the loop), a contiguous vector (its innermost index
// is `something + loop`, unit stride), or a gather (any other affine map,
// e.g. head merge's `e floordiv d, e mod d`). A masked step handles the
// remainder, so sizes may be dynamic. The leading parallel loops that index
// every output run as one scf.parallel (threads split independent outputs).
//
// Ops this cannot handle (other ops in the body, non-affine or
// non-contiguous outputs) are left for convert-linalg-to-loops.
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/Passes.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace attnc {
#define GEN_PASS_DEF_VECTORIZEGENERICS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

/// How an operand varies along the vectorized loop.
enum class Access { Invariant, Contiguous, Gather };

/// The op that folds an output's previous value into a reduction.
struct Combiner {
  Operation *op = nullptr;
  vector::CombiningKind kind;
  TypedAttr neutral;
};

std::optional<Combiner> matchCombiner(Operation *op) {
  using K = vector::CombiningKind;
  if (!op || op->getNumOperands() != 2 || op->getNumResults() != 1)
    return std::nullopt;
  Type type = op->getResult(0).getType();
  Builder b(op->getContext());
  auto inf = [&](bool negative) -> TypedAttr {
    auto ft = dyn_cast<FloatType>(type);
    if (!ft)
      return {};
    return b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), negative));
  };
  auto make = [&](K kind, TypedAttr neutral) -> std::optional<Combiner> {
    if (!neutral)
      return std::nullopt;
    return Combiner{op, kind, neutral};
  };
  if (isa<arith::AddFOp>(op))
    return make(K::ADD, b.getFloatAttr(type, 0.0));
  if (isa<arith::MulFOp>(op))
    return make(K::MUL, b.getFloatAttr(type, 1.0));
  if (isa<arith::MaximumFOp>(op))
    return make(K::MAXIMUMF, inf(true));
  if (isa<arith::MinimumFOp>(op))
    return make(K::MINIMUMF, inf(false));
  if (isa<arith::MaxNumFOp>(op))
    return make(K::MAXNUMF, inf(true));
  if (isa<arith::MinNumFOp>(op))
    return make(K::MINNUMF, inf(false));
  if (!type.isSignlessInteger())
    return std::nullopt;
  unsigned width = type.getIntOrFloatBitWidth();
  if (isa<arith::AddIOp>(op))
    return make(K::ADD, b.getIntegerAttr(type, 0));
  if (isa<arith::MulIOp>(op))
    return make(K::MUL, b.getIntegerAttr(type, 1));
  if (isa<arith::MaxSIOp>(op))
    return make(K::MAXSI, b.getIntegerAttr(type, APInt::getSignedMinValue(width)));
  if (isa<arith::MinSIOp>(op))
    return make(K::MINSI, b.getIntegerAttr(type, APInt::getSignedMaxValue(width)));
  if (isa<arith::MaxUIOp>(op))
    return make(K::MAXUI, b.getIntegerAttr(type, 0));
  if (isa<arith::MinUIOp>(op))
    return make(K::MINUI, b.getIntegerAttr(type, APInt::getMaxValue(width)));
  if (isa<arith::OrIOp>(op))
    return make(K::OR, b.getIntegerAttr(type, 0));
  if (isa<arith::XOrIOp>(op))
    return make(K::XOR, b.getIntegerAttr(type, 0));
  if (isa<arith::AndIOp>(op))
    return make(K::AND, b.getIntegerAttr(type, APInt::getMaxValue(width)));
  return std::nullopt;
}

bool hasUnitInnerStride(MemRefType type) {
  return type.getRank() > 0 && isLastMemrefDimUnitStride(type);
}

class GenericVectorizer {
public:
  GenericVectorizer(RewriterBase &rewriter, linalg::GenericOp op)
      : b(rewriter), op(op), loc(op.getLoc()),
        kLanes(attnc::getVectorTarget(op).lanes) {}

  LogicalResult analyze();
  void emit();

private:
  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  VectorType vectorOf(Type t) { return VectorType::get({kLanes}, t); }
  Value splat(Value scalar) {
    return b.create<vector::BroadcastOp>(loc, vectorOf(scalar.getType()),
                                         scalar);
  }
  Access classify(OpOperand &operand);
  /// The operand's indices at the current loop indices (the vectorized loop
  /// at its first lane).
  SmallVector<Value> scalarIndices(OpOperand &operand);
  /// The linear element offset of each lane from the operand's origin.
  Value laneOffsets(OpOperand &operand);
  Value evaluate(AffineExpr e, bool lanes);
  Value read(OpOperand &operand, Value mask);
  void write(OpOperand &operand, Value value, Value mask);
  /// Clones the body lane-wise; returns the vector yielded for each output
  /// (reduction mode: the value combined with each output's accumulator).
  SmallVector<Value> cloneBody(Value mask);
  void emitParallelStep(Value mask);
  SmallVector<Value> emitReductionStep(ValueRange acc, Value mask);

  RewriterBase &b;
  linalg::GenericOp op;
  Location loc;
  /// f32 lanes of one vector register of the target.
  const int64_t kLanes;
  unsigned vecDim = 0;
  bool reduction = false;
  SmallVector<Access> access;
  SmallVector<Combiner> combiners;
  // Emission state: one index per loop (the vectorized loop: its first lane)
  // and the lane vector [j, j + 1, ..., j + 15] of the vectorized loop.
  SmallVector<Value> ivs;
  Value laneIndices;
};

Access GenericVectorizer::classify(OpOperand &operand) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  auto type = dyn_cast<MemRefType>(operand.get().getType());
  if (!type || !map.isFunctionOfDim(vecDim))
    return Access::Invariant;
  unsigned last = map.getNumResults() - 1;
  AffineExpr dim = getAffineDimExpr(vecDim, op.getContext());
  AffineExpr rest = simplifyAffineExpr(map.getResult(last) - dim,
                                       map.getNumDims(), 0);
  bool onlyLast = llvm::none_of(map.getResults().drop_back(),
                                [&](AffineExpr e) {
                                  return e.isFunctionOfDim(vecDim);
                                });
  if (onlyLast && !rest.isFunctionOfDim(vecDim) && hasUnitInnerStride(type))
    return Access::Contiguous;
  return Access::Gather;
}

LogicalResult GenericVectorizer::analyze() {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      op.getNumDpsInits() == 0)
    return failure();
  for (Operation &o : op.getBody()->without_terminator()) {
    if (isa<linalg::IndexOp>(o))
      continue;
    if (!isa<arith::ArithDialect, math::MathDialect>(o.getDialect()) ||
        o.getNumRegions() != 0)
      return failure();
    for (Type t : o.getResultTypes())
      if (!t.isIntOrIndexOrFloat())
        return failure();
  }
  for (OpOperand &operand : op->getOpOperands()) {
    Type t = operand.get().getType();
    if (auto m = dyn_cast<MemRefType>(t))
      t = m.getElementType();
    if (!t.isIntOrIndexOrFloat() ||
        op.getMatchingIndexingMap(&operand).getNumSymbols() != 0)
      return failure();
  }

  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned last = op.getNumLoops() - 1;
  bool outputsSkipLast = llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &o) {
    return !op.getMatchingIndexingMap(&o).isFunctionOfDim(last);
  });
  vecDim = last;
  bool someInputContiguous = llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *o) {
    return classify(*o) == Access::Contiguous;
  });
  if (iterators[last] == utils::IteratorType::reduction && outputsSkipLast &&
      someInputContiguous) {
    reduction = true;
  } else {
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (out.getNumResults() == 0)
      return failure();
    auto d = dyn_cast<AffineDimExpr>(out.getResults().back());
    if (!d || iterators[d.getPosition()] != utils::IteratorType::parallel)
      return failure();
    vecDim = d.getPosition();
  }

  for (OpOperand &operand : op->getOpOperands())
    access.push_back(classify(operand));
  for (OpOperand &out : op.getDpsInitsMutable()) {
    Access a = access[out.getOperandNumber()];
    if (reduction ? a != Access::Invariant : a != Access::Contiguous)
      return failure();
    if (!isa<MemRefType>(out.get().getType()))
      return failure();
  }
  if (!reduction)
    return success();

  // Each output is a reduction: yield(combine(out, rest)), and `out` is used
  // by nothing else.
  Block *body = op.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  for (OpOperand &out : op.getDpsInitsMutable()) {
    BlockArgument arg = op.getMatchingBlockArgument(&out);
    Value yielded = yield.getValues()[out.getOperandNumber() -
                                      op.getNumDpsInputs()];
    std::optional<Combiner> c = matchCombiner(yielded.getDefiningOp());
    if (!c || c->op->getBlock() != body || !arg.hasOneUse() ||
        *arg.getUsers().begin() != c->op || c->op->getOperand(0) == c->op->getOperand(1))
      return failure();
    combiners.push_back(*c);
  }
  return success();
}

Value GenericVectorizer::evaluate(AffineExpr e, bool lanes) {
  auto bin = [&](auto tag, AffineBinaryOpExpr be) -> Value {
    using OpT = decltype(tag);
    Value l = evaluate(be.getLHS(), lanes), r = evaluate(be.getRHS(), lanes);
    if (lanes && !isa<VectorType>(l.getType()))
      l = splat(l);
    if (lanes && !isa<VectorType>(r.getType()))
      r = splat(r);
    return b.create<OpT>(loc, l, r);
  };
  switch (e.getKind()) {
  case AffineExprKind::DimId: {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    return lanes && d == vecDim ? laneIndices : ivs[d];
  }
  case AffineExprKind::Constant:
    return index(cast<AffineConstantExpr>(e).getValue());
  case AffineExprKind::Add:
    return bin(arith::AddIOp(), cast<AffineBinaryOpExpr>(e));
  case AffineExprKind::Mul:
    return bin(arith::MulIOp(), cast<AffineBinaryOpExpr>(e));
  case AffineExprKind::FloorDiv:
    return bin(arith::FloorDivSIOp(), cast<AffineBinaryOpExpr>(e));
  case AffineExprKind::CeilDiv:
    return bin(arith::CeilDivSIOp(), cast<AffineBinaryOpExpr>(e));
  case AffineExprKind::Mod:
    // Indices are never negative, where mod and remainder agree.
    return bin(arith::RemSIOp(), cast<AffineBinaryOpExpr>(e));
  case AffineExprKind::SymbolId:
    break;
  }
  llvm_unreachable("maps without symbols");
}

SmallVector<Value> GenericVectorizer::scalarIndices(OpOperand &operand) {
  SmallVector<Value> indices;
  for (AffineExpr e : op.getMatchingIndexingMap(&operand).getResults())
    indices.push_back(evaluate(e, /*lanes=*/false));
  return indices;
}

Value GenericVectorizer::laneOffsets(OpOperand &operand) {
  Value base = operand.get();
  auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, base);
  Value offsets;
  for (auto [e, stride] : llvm::zip(op.getMatchingIndexingMap(&operand).getResults(),
                                    meta.getStrides())) {
    Value v = evaluate(e, /*lanes=*/true);
    if (!isa<VectorType>(v.getType()))
      v = splat(v);
    v = b.create<arith::MulIOp>(loc, v, splat(stride));
    offsets = offsets ? b.create<arith::AddIOp>(loc, offsets, v) : v;
  }
  return offsets;
}

Value GenericVectorizer::read(OpOperand &operand, Value mask) {
  Value source = operand.get();
  auto type = dyn_cast<MemRefType>(source.getType());
  if (!type)
    return splat(source);
  Type element = type.getElementType();
  VectorType vecType = vectorOf(element);
  Value zeros = b.create<arith::ConstantOp>(loc, b.getZeroAttr(vecType));
  switch (access[operand.getOperandNumber()]) {
  case Access::Invariant:
    return splat(b.create<memref::LoadOp>(loc, source, scalarIndices(operand)));
  case Access::Contiguous:
    if (mask)
      return b.create<vector::MaskedLoadOp>(loc, vecType, source,
                                            scalarIndices(operand), mask, zeros);
    return b.create<vector::LoadOp>(loc, vecType, source,
                                    scalarIndices(operand));
  case Access::Gather: {
    Value all = mask ? mask
                     : b.create<arith::ConstantOp>(
                           loc, DenseElementsAttr::get(vectorOf(b.getI1Type()),
                                                       true));
    SmallVector<Value> origin(type.getRank(), index(0));
    return b.create<vector::GatherOp>(loc, vecType, source, origin,
                                      laneOffsets(operand), all, zeros);
  }
  }
  llvm_unreachable("every access kind");
}

void GenericVectorizer::write(OpOperand &operand, Value value, Value mask) {
  if (mask)
    b.create<vector::MaskedStoreOp>(loc, operand.get(), scalarIndices(operand),
                                    mask, value);
  else
    b.create<vector::StoreOp>(loc, value, operand.get(),
                              scalarIndices(operand));
}

SmallVector<Value> GenericVectorizer::cloneBody(Value mask) {
  Block *body = op.getBody();
  IRMapping lanes;
  for (OpOperand *in : op.getDpsInputOperands())
    lanes.map(op.getMatchingBlockArgument(in), read(*in, mask));
  if (!reduction)
    for (OpOperand &out : op.getDpsInitsMutable()) {
      BlockArgument arg = op.getMatchingBlockArgument(&out);
      if (!arg.use_empty())
        lanes.map(arg, read(out, mask));
    }
  auto lookup = [&](Value v) -> Value {
    if (Value mapped = lanes.lookupOrNull(v))
      return mapped;
    return splat(v); // Defined above the op: the same in every lane.
  };
  for (Operation &o : body->without_terminator()) {
    if (llvm::any_of(combiners, [&](const Combiner &c) { return c.op == &o; }))
      continue;
    if (auto idx = dyn_cast<linalg::IndexOp>(o)) {
      unsigned d = idx.getDim();
      lanes.map(idx.getResult(), d == vecDim ? laneIndices : splat(ivs[d]));
      continue;
    }
    if (auto constant = dyn_cast<arith::ConstantOp>(o)) {
      auto attr = cast<TypedAttr>(constant.getValue());
      lanes.map(constant.getResult(),
                b.create<arith::ConstantOp>(
                    loc, DenseElementsAttr::get(vectorOf(attr.getType()), attr)));
      continue;
    }
    OperationState state(loc, o.getName());
    for (Value operand : o.getOperands())
      state.addOperands(lookup(operand));
    for (Type t : o.getResultTypes())
      state.addTypes(vectorOf(t));
    state.addAttributes(o.getAttrs());
    Operation *clone = b.create(state);
    lanes.map(o.getResults(), clone->getResults());
  }
  SmallVector<Value> results;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  for (auto [i, value] : llvm::enumerate(yield.getValues())) {
    if (reduction) {
      Operation *c = combiners[i].op;
      BlockArgument arg = op.getMatchingBlockArgument(op.getDpsInitOperand(i));
      value = c->getOperand(0) == arg ? c->getOperand(1) : c->getOperand(0);
    }
    results.push_back(lookup(value));
  }
  return results;
}

void GenericVectorizer::emitParallelStep(Value mask) {
  SmallVector<Value> results = cloneBody(mask);
  for (auto [out, value] : llvm::zip(op.getDpsInitsMutable(), results))
    write(out, value, mask);
}

SmallVector<Value> GenericVectorizer::emitReductionStep(ValueRange acc,
                                                        Value mask) {
  SmallVector<Value> rest = cloneBody(mask), next;
  for (auto [c, partial, value] : llvm::zip(combiners, acc, rest)) {
    if (mask) {
      Value neutral = b.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(vectorOf(c.neutral.getType()), c.neutral));
      value = b.create<arith::SelectOp>(loc, mask, value, neutral);
    }
    OperationState state(loc, c.op->getName());
    state.addOperands({partial, value});
    state.addTypes(partial.getType());
    state.addAttributes(c.op->getAttrs());
    next.push_back(b.create(state)->getResult(0));
  }
  return next;
}

void GenericVectorizer::emit() {
  b.setInsertionPoint(op);
  SmallVector<Value> sizes;
  for (Range r : cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  unsigned numLoops = op.getNumLoops();
  ivs.assign(numLoops, Value());

  // Leading parallel loops that index every output run in parallel.
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> outer, parallel;
  for (unsigned d = 0; d < numLoops; ++d)
    if (d != vecDim)
      outer.push_back(d);
  for (unsigned d : outer) {
    bool indexesOutputs = llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &o) {
      return op.getMatchingIndexingMap(&o).isFunctionOfDim(d);
    });
    if (iterators[d] != utils::IteratorType::parallel || !indexesOutputs)
      break;
    parallel.push_back(d);
  }
  OpBuilder::InsertionGuard guard(b);
  if (!parallel.empty()) {
    SmallVector<Value> lbs(parallel.size(), index(0)),
        steps(parallel.size(), index(1)), ubs;
    for (unsigned d : parallel)
      ubs.push_back(sizes[d]);
    auto loop = b.create<scf::ParallelOp>(loc, lbs, ubs, steps);
    b.setInsertionPointToStart(loop.getBody());
    for (auto [d, iv] : llvm::zip(parallel, loop.getInductionVars()))
      ivs[d] = iv;
  }
  for (unsigned d : ArrayRef<unsigned>(outer).drop_front(parallel.size())) {
    auto loop = b.create<scf::ForOp>(loc, index(0), sizes[d], index(1));
    b.setInsertionPointToStart(loop.getBody());
    ivs[d] = loop.getInductionVar();
  }

  SmallVector<int64_t> iota = llvm::to_vector(llvm::seq<int64_t>(0, kLanes));
  Value laneSteps = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(vectorOf(b.getIndexType()),
                                  ArrayRef<int64_t>(iota)));
  Value size = sizes[vecDim];
  Value full = b.create<arith::MulIOp>(
      loc, b.create<arith::DivUIOp>(loc, size, index(kLanes)), index(kLanes));
  auto enter = [&](Value j) {
    ivs[vecDim] = j;
    laneIndices = b.create<arith::AddIOp>(loc, splat(j), laneSteps);
  };
  // The remainder (possibly empty) runs once, masked.
  auto remainderMask = [&]() {
    return b.create<vector::CreateMaskOp>(
        loc, vectorOf(b.getI1Type()),
        ValueRange{b.create<arith::SubIOp>(loc, size, full)});
  };

  if (!reduction) {
    auto loop = b.create<scf::ForOp>(loc, index(0), full, index(kLanes));
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      enter(loop.getInductionVar());
      emitParallelStep(Value());
    }
    enter(full);
    emitParallelStep(remainderMask());
    return;
  }

  SmallVector<Value> init;
  for (const Combiner &c : combiners)
    init.push_back(b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(vectorOf(c.neutral.getType()), c.neutral)));
  auto loop = b.create<scf::ForOp>(
      loc, index(0), full, index(kLanes), init,
      [&](OpBuilder &nb, Location, Value j, ValueRange acc) {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        enter(j);
        b.create<scf::YieldOp>(loc, emitReductionStep(acc, Value()));
      });
  enter(full);
  SmallVector<Value> partials =
      emitReductionStep(loop.getResults(), remainderMask());
  for (auto [i, c] : llvm::enumerate(combiners)) {
    Value total = b.create<vector::ReductionOp>(loc, c.kind, partials[i]);
    OpOperand *out = op.getDpsInitOperand(i);
    SmallVector<Value> indices = scalarIndices(*out);
    Value old = b.create<memref::LoadOp>(loc, out->get(), indices);
    BlockArgument arg = op.getMatchingBlockArgument(out);
    OperationState state(loc, c.op->getName());
    if (c.op->getOperand(0) == arg)
      state.addOperands({old, total});
    else
      state.addOperands({total, old});
    state.addTypes(old.getType());
    state.addAttributes(c.op->getAttrs());
    Value combined = b.create(state)->getResult(0);
    b.create<memref::StoreOp>(loc, combined, out->get(), indices);
  }
}

struct VectorizeGenericsPass
    : attnc::impl::VectorizeGenericsBase<VectorizeGenericsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp linalgOp : ops) {
      if (!linalgOp.hasPureBufferSemantics())
        continue;
      auto generic = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
      if (!generic) {
        rewriter.setInsertionPoint(linalgOp);
        FailureOr<linalg::GenericOp> g =
            linalg::generalizeNamedOp(rewriter, linalgOp);
        if (failed(g))
          continue;
        generic = *g;
      }
      GenericVectorizer vectorizer(rewriter, generic);
      if (failed(vectorizer.analyze()))
        continue;
      vectorizer.emit();
      rewriter.eraseOp(generic);
    }
  }
};

} // namespace
