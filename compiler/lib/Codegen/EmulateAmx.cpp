//===- EmulateAmx.cpp - AMX tile ops as calls of plain code, for tests ----===//
#include "attnc/Codegen/ABI.h"
#include "attnc/Codegen/Manifest.h"
#include "attnc/Codegen/Passes.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace attnc {
#define GEN_PASS_DEF_EMULATEAMX
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;

namespace {

Value index(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

/// A private function `name` taking `args`, never inlined (the same code
/// inlined at every tile op of a model took the canonicalizer minutes), with
/// an entry block and the builder at its start.
func::FuncOp createHelper(OpBuilder &b, ModuleOp module, StringRef name,
                          TypeRange args) {
  b.setInsertionPointToEnd(module.getBody());
  auto func = b.create<func::FuncOp>(module.getLoc(), name,
                                     b.getFunctionType(args, {}));
  func.setPrivate();
  func->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  b.setInsertionPointToStart(func.addEntryBlock());
  return func;
}

/// The tile at `indices` of `base` (rows along the dimension before the
/// last, columns along the last) as a 2-D view.
Value tileView(OpBuilder &b, Location loc, Value base, ValueRange indices,
               int64_t rows, int64_t cols) {
  auto type = cast<MemRefType>(base.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(indices.begin(), indices.end());
  SmallVector<OpFoldResult> sizes(rank, b.getIndexAttr(1)),
      strides(rank, b.getIndexAttr(1));
  sizes[rank - 2] = b.getIndexAttr(rows);
  sizes[rank - 1] = b.getIndexAttr(cols);
  auto viewType = memref::SubViewOp::inferRankReducedResultType(
      {rows, cols}, type, offsets, sizes, strides);
  return b.create<memref::SubViewOp>(loc, cast<MemRefType>(viewType), base,
                                     offsets, sizes, strides);
}

/// The tile helpers of one module: copies between 2-D memrefs of the same
/// shape (one function per pair of types) and the product.
class Helpers {
public:
  Helpers(OpBuilder &b, ModuleOp module) : b(b), module(module) {}

  void copy(Location loc, Value from, Value to) {
    auto key = std::make_pair(from.getType(), to.getType());
    func::FuncOp &func = copies[key];
    if (!func) {
      OpBuilder::InsertionGuard guard(b);
      func = createHelper(
          b, module,
          "__attnc_emulated_tile_copy_" + std::to_string(copies.size()),
          {from.getType(), to.getType()});
      Block &entry = func.getBody().front();
      auto type = cast<MemRefType>(from.getType());
      auto rowType = VectorType::get({type.getDimSize(1)},
                                     type.getElementType());
      Location at = module.getLoc();
      Value zero = index(b, at, 0);
      auto loop = b.create<scf::ForOp>(at, zero,
                                       index(b, at, type.getDimSize(0)),
                                       index(b, at, 1));
      b.setInsertionPointToStart(loop.getBody());
      Value i = loop.getInductionVar();
      b.create<vector::StoreOp>(
          at,
          b.create<vector::LoadOp>(at, rowType, entry.getArgument(0),
                                   ValueRange{i, zero}),
          entry.getArgument(1), ValueRange{i, zero});
      b.setInsertionPointToEnd(&entry);
      b.create<func::ReturnOp>(at);
    }
    b.create<func::CallOp>(loc, func, ValueRange{from, to});
  }

  void multiply(Location loc, Value a, Value w, Value c) {
    func::FuncOp func = mulFunction(
        b, module, cast<MemRefType>(a.getType()),
        cast<MemRefType>(w.getType()), cast<MemRefType>(c.getType()));
    b.create<func::CallOp>(loc, func, ValueRange{a, w, c});
  }

private:
  static func::FuncOp mulFunction(OpBuilder &b, ModuleOp module,
                                  MemRefType aType, MemRefType wType,
                                  MemRefType cType);

  OpBuilder &b;
  ModuleOp module;
  DenseMap<std::pair<Type, Type>, func::FuncOp> copies;
};

/// tdpbf16ps on tiles in memory, as scalar loops: C[m][n] += sum over p of
/// A[m][2p] B[p][2n] + A[m][2p+1] B[p][2n+1]. One function per tile
/// shape.
func::FuncOp Helpers::mulFunction(OpBuilder &b, ModuleOp module,
                                   MemRefType aType, MemRefType wType,
                                   MemRefType cType) {
  std::string name = "__attnc_emulated_tdpbf16ps_" +
                     std::to_string(cType.getDimSize(0)) + "x" +
                     std::to_string(cType.getDimSize(1)) + "x" +
                     std::to_string(aType.getDimSize(1));
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(b);
  func::FuncOp func = createHelper(b, module, name, {aType, wType, cType});
  Block *entry = &func.getBody().front();
  Location loc = module.getLoc();
  Value a = entry->getArgument(0), w = entry->getArgument(1),
        c = entry->getArgument(2);
  Type f32 = b.getF32Type();
  auto loop = [&](int64_t n, ValueRange init,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return b
        .create<scf::ForOp>(
            loc, index(b, loc, 0), index(b, loc, n), index(b, loc, 1), init,
            [&](OpBuilder &nb, Location, Value iv, ValueRange args) {
              OpBuilder::InsertionGuard g(b);
              b.setInsertionPoint(nb.getInsertionBlock(),
                                  nb.getInsertionPoint());
              b.create<scf::YieldOp>(loc, body(iv, args));
            })
        .getResults();
  };
  loop(cType.getDimSize(0), {}, [&](Value m, ValueRange) {
    loop(cType.getDimSize(1), {}, [&](Value n, ValueRange) {
      Value start = b.create<memref::LoadOp>(loc, c, ValueRange{m, n});
      Value sum = loop(aType.getDimSize(1) / 2, start,
                       [&](Value p, ValueRange acc) {
        Value s = acc[0];
        for (int64_t t = 0; t < 2; ++t) {
          Value ka = b.create<arith::AddIOp>(
              loc, b.create<arith::MulIOp>(loc, p, index(b, loc, 2)),
              index(b, loc, t));
          Value kb = b.create<arith::AddIOp>(
              loc, b.create<arith::MulIOp>(loc, n, index(b, loc, 2)),
              index(b, loc, t));
          Value x = b.create<arith::ExtFOp>(
              loc, f32,
              b.create<memref::LoadOp>(loc, a, ValueRange{m, ka}).getResult());
          Value y = b.create<arith::ExtFOp>(
              loc, f32,
              b.create<memref::LoadOp>(loc, w, ValueRange{p, kb}).getResult());
          s = b.create<arith::AddFOp>(loc, s,
                                      b.create<arith::MulFOp>(loc, x, y));
        }
        return SmallVector<Value>{s};
      })[0];
      b.create<memref::StoreOp>(loc, sum, c, ValueRange{m, n});
      return SmallVector<Value>();
    });
    return SmallVector<Value>();
  });
  b.create<func::ReturnOp>(loc);
  return func;
}

/// `dict` with the amx-* entries of its array `features` dropped.
DictionaryAttr withoutAmx(DictionaryAttr dict) {
  auto features = dyn_cast_or_null<ArrayAttr>(dict.get("features"));
  if (!features)
    return dict;
  SmallVector<Attribute> kept;
  for (Attribute feature : features)
    if (auto name = dyn_cast<StringAttr>(feature);
        !name || !name.getValue().starts_with("amx-"))
      kept.push_back(feature);
  NamedAttrList entries(dict);
  entries.set("features", ArrayAttr::get(dict.getContext(), kept));
  return entries.getDictionary(dict.getContext());
}

/// The module's code no longer needs AMX: its attn.target and the target of
/// its manifest (which the runtime checks) stop listing amx-tile and
/// amx-bf16.
void dropAmxFeatures(ModuleOp module) {
  if (auto target = module->getAttrOfType<DictionaryAttr>(attnc::kTargetAttr))
    module->setAttr(attnc::kTargetAttr, withoutAmx(target));
  auto global = module.lookupSymbol<LLVM::GlobalOp>(attnc::kManifestGlobal);
  auto manifest = global ? global->getAttrOfType<DictionaryAttr>(
                               attnc::kManifestAttr)
                         : nullptr;
  auto target = manifest ? dyn_cast_or_null<DictionaryAttr>(
                               manifest.get("target"))
                         : nullptr;
  if (!target)
    return;
  NamedAttrList entries(manifest);
  entries.set("target", withoutAmx(target));
  global->setAttr(attnc::kManifestAttr,
                  entries.getDictionary(module.getContext()));
}

/// Each tile value lives in its own stack buffer, allocated at the start of
/// the enclosing function or parallel loop body (no loop grows the stack):
/// tile_load copies a view of its memory into it, tile_mulf copies C's and
/// calls the product, tile_store copies it out.
struct EmulateAmxPass : attnc::impl::EmulateAmxBase<EmulateAmxPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    dropAmxFeatures(module);
    SmallVector<Operation *> ops;
    module->walk([&](Operation *op) {
      if (isa<amx::TileLoadOp, amx::TileStoreOp, amx::TileMulFOp,
              amx::TileZeroOp>(op))
        ops.push_back(op);
    });
    OpBuilder b(&getContext());
    Helpers helpers(b, module);
    DenseMap<Value, Value> buffers;
    auto bufferFor = [&](Value tile) {
      Operation *scope = tile.getDefiningOp()->getParentOp();
      while (!isa<func::FuncOp, scf::ParallelOp>(scope))
        scope = scope->getParentOp();
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&scope->getRegion(0).front());
      auto type = cast<VectorType>(tile.getType());
      Value buffer = b.create<memref::AllocaOp>(
          tile.getLoc(),
          MemRefType::get(type.getShape(), type.getElementType()));
      buffers[tile] = buffer;
      return buffer;
    };
    auto bufferOf = [&](Operation *user, Value tile) -> Value {
      Value buffer = buffers.lookup(tile);
      if (!buffer)
        user->emitOpError("attnc-emulate-amx: a tile not produced by an AMX "
                          "op (a loop-carried tile?)");
      return buffer;
    };
    for (Operation *op : ops) {
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto load = dyn_cast<amx::TileLoadOp>(op)) {
        VectorType type = load.getVectorType();
        helpers.copy(loc,
                     tileView(b, loc, load.getBase(), load.getIndices(),
                              type.getDimSize(0), type.getDimSize(1)),
                     bufferFor(load));
      } else if (auto zeroTile = dyn_cast<amx::TileZeroOp>(op)) {
        VectorType type = zeroTile.getVectorType();
        Value buffer = bufferFor(zeroTile);
        Value zeros = b.create<arith::ConstantOp>(
            loc, b.getZeroAttr(VectorType::get({type.getDimSize(1)},
                                               type.getElementType())));
        for (int64_t i = 0; i < type.getDimSize(0); ++i)
          b.create<vector::StoreOp>(
              loc, zeros, buffer,
              ValueRange{index(b, loc, i), index(b, loc, 0)});
      } else if (auto mul = dyn_cast<amx::TileMulFOp>(op)) {
        Value a = bufferOf(op, mul.getLhs()), w = bufferOf(op, mul.getRhs()),
              acc = bufferOf(op, mul.getAcc());
        if (!a || !w || !acc)
          return signalPassFailure();
        Value c = bufferFor(mul);
        helpers.copy(loc, acc, c);
        helpers.multiply(loc, a, w, c);
      } else {
        auto store = cast<amx::TileStoreOp>(op);
        Value buffer = bufferOf(op, store.getVal());
        if (!buffer)
          return signalPassFailure();
        VectorType type = store.getVectorType();
        helpers.copy(loc, buffer,
                     tileView(b, loc, store.getBase(), store.getIndices(),
                              type.getDimSize(0), type.getDimSize(1)));
      }
    }
    // Users first: stores, then products, then the tiles they read.
    for (Operation *op : llvm::reverse(ops))
      op->erase();
  }
};

} // namespace
