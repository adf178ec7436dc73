//===- PlanMemory.cpp - Intermediate buffers in one arena -----------------===//
//
// After bufferization every intermediate tensor is a memref.alloc; left
// alone, each becomes a malloc and a free inside the forward pass (inside
// the layer loop, once per layer). This pass gives each buffer it can follow
// an offset in one arena instead (BufferLiveness for when it is live,
// BufferSizes for its size as a polynomial in the dims, ArenaLayout for the
// offsets), computes the offsets once at the top of the function and
// replaces the allocs by memref.view. ABI entries take the arena from the
// caller and declare its size in the manifest.
//
//===----------------------------------------------------------------------===//
#include "attnc/Analysis/ArenaLayout.h"
#include "attnc/Analysis/BufferLiveness.h"
#include "attnc/Analysis/BufferSizes.h"
#include "attnc/Codegen/ABI.h"
#include "attnc/Codegen/Manifest.h"
#include "attnc/Codegen/Passes.h"
#include "attnc/Codegen/RawMemRef.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"


#include <map>

namespace attnc {
#define GEN_PASS_DEF_PLANMEMORY
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;

namespace {

/// Sizes are compared at these values of every symbol when choosing which
/// buffer to place first; any choice is correct.
constexpr int64_t kTypicalSymbolValue = 512;
/// Status of an ABI entry that was given no arena and could not allocate one.
constexpr int32_t kOutOfMemoryStatus = 2;

std::optional<int64_t> elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  if (type.isIntOrFloat() && type.getIntOrFloatBitWidth() % 8 == 0)
    return type.getIntOrFloatBitWidth() / 8;
  return std::nullopt;
}

/// Allocs inside parallel loops (or any other region than sequential loops
/// and branches) stay: concurrent iterations need buffers of their own.
bool inSequentialCode(Operation *op, func::FuncOp fn) {
  for (Operation *parent = op->getParentOp(); parent != fn;
       parent = parent->getParentOp())
    if (!isa<scf::ForOp, scf::IfOp>(parent))
      return false;
  return true;
}

class FunctionPlanner {
public:
  explicit FunctionPlanner(func::FuncOp fn)
      : fn(fn), sizes(fn), liveness(fn) {}

  /// Rewrites the function; returns the arena's size in bytes (zero when
  /// nothing was planned).
  Polynomial run();
  std::vector<std::string> getSymbolNames() const {
    return sizes.getSymbolNames();
  }

private:
  struct Candidate {
    memref::AllocOp alloc;
    BufferRequest request;
    Polynomial bytes; // of one copy
    scf::ForOp doubleBufferedIn;
  };
  void collect();
  /// The last entry-block op defining a symbol, or null.
  Operation *lastSymbolDefinition();
  Value constant(OpBuilder &b, Location loc, int64_t value);
  Value materialize(OpBuilder &b, Location loc, const Polynomial &p);
  /// `p` rounded up to a multiple of kArenaAlignment.
  Value materializeAligned(OpBuilder &b, Location loc, const Polynomial &p);
  /// The arena memref; for an ABI entry, also guards the rest of the body.
  Value buildArena(OpBuilder &b, Location loc, Value bytes);
  bool isAbiEntry();

  func::FuncOp fn;
  SizeResolver sizes;
  BufferLiveness liveness;
  SmallVector<Candidate> candidates;
  SmallVector<Value> symbolValues;
  std::map<Polynomial::Monomial, Value> monomials;
  llvm::DenseMap<int64_t, Value> constants;
  SmallVector<std::pair<Polynomial, Value>> polynomials;
  llvm::DenseMap<Value, Value> alignedValues;
};

void FunctionPlanner::collect() {
  fn.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    std::optional<int64_t> element = elementBytes(type.getElementType());
    if (!element || !type.getLayout().isIdentity() || type.getMemorySpace() ||
        !inSequentialCode(alloc, fn))
      return;
    Polynomial size = Polynomial::constant(*element);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      std::optional<Polynomial> extent = sizes.resolveDim(alloc, d);
      if (!extent || extent->hasNegativeCoefficient())
        return;
      size = size * *extent;
    }
    std::optional<Lifetime> lifetime = liveness.lifetimeOf(alloc);
    if (!lifetime)
      return;
    // Offsets are rounded up to the alignment at run time: each copy may
    // need up to alignment - 1 bytes more, and so may the start.
    Polynomial padding = Polynomial::constant(kArenaAlignment - 1);
    int64_t copies = lifetime->doubleBufferedIn ? 2 : 1;
    candidates.push_back(
        {alloc,
         BufferRequest{(size + padding) * copies + padding, lifetime->begin,
                       lifetime->end},
         size, lifetime->doubleBufferedIn});
  });
}

Operation *FunctionPlanner::lastSymbolDefinition() {
  Operation *last = nullptr;
  for (const SizeSymbol &s : sizes.getSymbols())
    if (Operation *def = s.value.getDefiningOp())
      if (!last || last->isBeforeInBlock(def))
        last = def;
  return last;
}

Value FunctionPlanner::constant(OpBuilder &b, Location loc, int64_t value) {
  Value &c = constants[value];
  if (!c)
    c = b.create<arith::ConstantIndexOp>(loc, value);
  return c;
}

Value FunctionPlanner::materialize(OpBuilder &b, Location loc,
                                   const Polynomial &p) {
  for (auto &[known, value] : polynomials)
    if (known == p)
      return value;
  Value sum;
  for (const auto &[monomial, coefficient] : p.getTerms()) {
    Value term = constant(b, loc, coefficient);
    if (!monomial.empty()) {
      Value &product = monomials[monomial];
      if (!product) {
        product = symbolValues[monomial.front()];
        for (unsigned s : ArrayRef<unsigned>(monomial).drop_front())
          product = b.create<arith::MulIOp>(loc, product, symbolValues[s]);
      }
      term = coefficient == 1
                 ? product
                 : b.create<arith::MulIOp>(loc, term, product).getResult();
    }
    sum = sum ? b.create<arith::AddIOp>(loc, sum, term).getResult() : term;
  }
  if (!sum)
    sum = constant(b, loc, 0);
  polynomials.push_back({p, sum});
  return sum;
}

Value FunctionPlanner::materializeAligned(OpBuilder &b, Location loc,
                                          const Polynomial &p) {
  Value value = materialize(b, loc, p);
  if (std::optional<int64_t> c = p.getConstant();
      c && *c % kArenaAlignment == 0)
    return value;
  Value &aligned = alignedValues[value];
  if (!aligned)
    aligned = b.create<arith::AndIOp>(
      loc,
      b.create<arith::AddIOp>(loc, value,
                              constant(b, loc, kArenaAlignment - 1)),
      constant(b, loc, -kArenaAlignment));
  return aligned;
}

bool FunctionPlanner::isAbiEntry() {
  if (!fn->hasAttr(kArenaSlotAttr) || fn.getNumArguments() < 2 ||
      !isa<LLVM::LLVMPointerType>(fn.getArgument(1).getType()) ||
      !fn.getBody().hasOneBlock())
    return false;
  auto ret = dyn_cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  return ret && ret.getNumOperands() == 1 &&
         ret.getOperand(0).getType().isInteger(32);
}

Value FunctionPlanner::buildArena(OpBuilder &b, Location loc, Value bytes) {
  auto arenaType =
      MemRefType::get({ShapedType::kDynamic}, b.getIntegerType(8));
  if (!isAbiEntry())
    return b.create<memref::AllocOp>(loc, arenaType, ValueRange{bytes},
                                     b.getI64IntegerAttr(kArenaAlignment));

  // The caller's arena, or one of our own for this call when it passes NULL.
  auto module = fn->getParentOfType<ModuleOp>();
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  int64_t slot = fn->getAttrOfType<IntegerAttr>(kArenaSlotAttr).getInt();
  Value slotAddr = b.create<LLVM::GEPOp>(
      loc, ptrType, ptrType, fn.getArgument(1),
      ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(slot)});
  Value given = b.create<LLVM::LoadOp>(loc, ptrType, slotAddr);
  Value null = b.create<LLVM::ZeroOp>(loc, ptrType);
  Value noArena =
      b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, given, null);
  Value bytes64 = b.create<arith::IndexCastOp>(loc, i64, bytes);
  LLVM::LLVMFuncOp alignedAlloc =
      LLVM::lookupOrCreateAlignedAllocFn(module, i64);
  LLVM::LLVMFuncOp free = LLVM::lookupOrCreateFreeFn(module);
  auto own = b.create<scf::IfOp>(
      loc, noArena,
      [&](OpBuilder &then, Location l) {
        Value alignment = then.create<LLVM::ConstantOp>(
            l, i64, then.getI64IntegerAttr(kArenaAlignment));
        Value memory =
            then.create<LLVM::CallOp>(l, alignedAlloc,
                                      ValueRange{alignment, bytes64})
                .getResult();
        then.create<scf::YieldOp>(l, memory);
      },
      [&](OpBuilder &otherwise, Location l) {
        otherwise.create<scf::YieldOp>(l, null);
      });
  Value base =
      b.create<LLVM::SelectOp>(loc, noArena, own.getResult(0), given);
  Value ok = b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ne, base, null);
  Value arena = memrefFromPointer(b, loc, base, arenaType, {bytes64});

  // Everything after this runs only with an arena; then ours is freed.
  Block &entry = fn.getBody().front();
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  Operation *setupEnd = arena.getDefiningOp();
  OpBuilder atReturn(ret);
  auto guard = atReturn.create<scf::IfOp>(loc, TypeRange{i32}, ok,
                                          /*withElseRegion=*/true);
  Block *thenBlock = guard.thenBlock();
  thenBlock->getOperations().splice(
      thenBlock->end(), entry.getOperations(),
      std::next(Block::iterator(setupEnd)), Block::iterator(guard));
  OpBuilder::atBlockEnd(thenBlock).create<scf::YieldOp>(loc,
                                                        ret.getOperand(0));
  OpBuilder elseBuilder = OpBuilder::atBlockEnd(guard.elseBlock());
  elseBuilder.create<scf::YieldOp>(
      loc, elseBuilder.create<arith::ConstantIntOp>(loc, kOutOfMemoryStatus,
                                                    32)
               .getResult());
  atReturn.create<LLVM::CallOp>(loc, free, own.getResult(0));
  ret->setOperand(0, guard.getResult(0));
  return arena;
}

Polynomial FunctionPlanner::run() {
  collect();
  Block &entry = fn.getBody().front();
  Operation *lastSymbol = lastSymbolDefinition();
  // Offsets are computed once, after the symbols: buffers allocated before
  // that (none, in ABI entries) keep their allocs.
  if (lastSymbol)
    llvm::erase_if(candidates, [&](const Candidate &c) {
      Operation *top = entry.findAncestorOpInBlock(*c.alloc);
      return !top || !lastSymbol->isBeforeInBlock(top);
    });
  if (candidates.empty())
    return Polynomial();

  SmallVector<BufferRequest> requests;
  for (const Candidate &c : candidates)
    requests.push_back(c.request);
  SmallVector<int64_t> typical(sizes.getSymbols().size(), kTypicalSymbolValue);
  ArenaLayout layout = layOutArena(requests, typical);

  Location loc = fn.getLoc();
  OpBuilder b(fn.getContext());
  if (lastSymbol)
    b.setInsertionPointAfter(lastSymbol);
  else
    b.setInsertionPointToStart(&entry);
  // Symbols that are arguments could be negative; sizes never are.
  Value zero = constant(b, loc, 0);
  for (const SizeSymbol &s : sizes.getSymbols()) {
    Value v = s.value;
    if (!v.getType().isIndex())
      v = b.create<arith::IndexCastOp>(loc, b.getIndexType(), v);
    symbolValues.push_back(b.create<arith::MaxSIOp>(loc, v, zero));
  }
  SmallVector<Value> offsets, copyBytes;
  for (auto [c, offset] : llvm::zip(candidates, layout.offsets)) {
    offsets.push_back(materializeAligned(b, loc, offset));
    copyBytes.push_back(c.doubleBufferedIn
                            ? materializeAligned(b, loc, c.bytes)
                            : Value());
  }
  Value arena = buildArena(b, loc, materializeAligned(b, loc, layout.size));

  for (auto [c, base, bytes] : llvm::zip(candidates, offsets, copyBytes)) {
    OpBuilder at(c.alloc);
    Value offset = base;
    if (scf::ForOp loop = c.doubleBufferedIn) {
      // Iteration i uses copy i mod 2.
      Location l = c.alloc.getLoc();
      Value iteration = at.create<arith::DivUIOp>(
          l,
          at.create<arith::SubIOp>(l, loop.getInductionVar(),
                                   loop.getLowerBound()),
          loop.getStep());
      Value parity = at.create<arith::RemUIOp>(
          l, iteration, at.create<arith::ConstantIndexOp>(l, 2));
      offset = at.create<arith::AddIOp>(
          l, base, at.create<arith::MulIOp>(l, parity, bytes));
    }
    Value view = at.create<memref::ViewOp>(c.alloc.getLoc(), c.alloc.getType(),
                                           arena, offset,
                                           c.alloc.getDynamicSizes());
    c.alloc.replaceAllUsesWith(view);
    c.alloc.erase();
  }
  return layout.size;
}

/// One "arena" term list: [{"bytes": c, "times": [names]}, ...].
ArrayAttr formulaAttr(Builder &b, const Polynomial &p,
                      ArrayRef<std::string> names) {
  SmallVector<Attribute> terms;
  for (const auto &[monomial, coefficient] : p.getTerms()) {
    SmallVector<StringRef> times;
    for (unsigned s : monomial)
      times.push_back(names[s]);
    terms.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("bytes", b.getI64IntegerAttr(coefficient)),
         b.getNamedAttr("times", b.getStrArrayAttr(times))}));
  }
  return b.getArrayAttr(terms);
}

struct PlanMemoryPass : attnc::impl::PlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(&getContext());
    NamedAttrList arena;
    arena.set("alignment", b.getI64IntegerAttr(kArenaAlignment));
    bool hasEntries = false;
    for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (fn.isExternal())
        continue;
      bool isEntry = fn->hasAttr(kArenaSlotAttr);
      FunctionPlanner planner(fn);
      Polynomial size = planner.run();
      if (!isEntry)
        continue;
      hasEntries = true;
      StringRef key = fn.getSymName() == kStepSymbol ? "step" : "forward";
      arena.set(key, formulaAttr(b, size, planner.getSymbolNames()));
      // Read; LLVM IR has no place for them.
      fn->removeAttr(kArenaSlotAttr);
      fn->removeAttr(kDimsAttr);
      for (unsigned i = 0; i < fn.getNumArguments(); ++i)
        fn.removeArgAttr(i, kNameAttr);
    }
    if (hasEntries &&
        failed(setManifestMember(module, "arena",
                                 arena.getDictionary(&getContext()),
                                 "attnc-plan-memory")))
      signalPassFailure();
  }
};

} // namespace
