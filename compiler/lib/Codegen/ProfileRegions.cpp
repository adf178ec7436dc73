//===- ProfileRegions.cpp - Profile hook calls around every kernel --------===//
//
// The kernels of the generated code are the outermost omp.parallel ops and
// the loop nests outside any of them; the layer loop of a `repeat` is not a
// kernel but a sequence of them. Each gets an id (its row in the manifest's
// "profile" table) and hook calls guarded by one load of the hook global,
// so that profiling is a runtime switch that costs a load and a branch per
// kernel when off (docs/performance.md).
//
//===----------------------------------------------------------------------===//
#include "attnc/Codegen/ABI.h"
#include "attnc/Codegen/Manifest.h"
#include "attnc/Codegen/Passes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Path.h"

namespace attnc {
#define GEN_PASS_DEF_PROFILEREGIONS
#include "attnc/Codegen/Passes.h.inc"
} // namespace attnc

using namespace mlir;
using namespace attnc;

namespace {

bool isLayerLoop(Operation *op) {
  auto loop = dyn_cast<scf::ForOp>(op);
  if (!loop)
    return false;
  WalkResult found = loop.getLoc()->walk([](Location l) {
    auto name = dyn_cast<NameLoc>(l);
    return name && name.getName() == kLayerLoopLocName ? WalkResult::interrupt()
                                                       : WalkResult::advance();
  });
  return found.wasInterrupted();
}

/// Kernels in program order: what runs inside them is not looked into.
void collectKernels(Region &region, SmallVectorImpl<Operation *> &kernels) {
  for (Block &block : region)
    for (Operation &op : block) {
      if (isa<omp::ParallelOp>(op) ||
          (isa<scf::ForOp, scf::WhileOp, scf::ParallelOp>(op) &&
           !isLayerLoop(&op))) {
        kernels.push_back(&op);
        continue;
      }
      for (Region &nested : op.getRegions())
        collectKernels(nested, kernels);
    }
}

/// The attn op kinds (without "attn.") a location names, in order, and its
/// first source position.
void describe(Location loc, SmallVectorImpl<std::string> &kinds,
              std::string &position) {
  loc->walk([&](Location l) {
    if (auto name = dyn_cast<NameLoc>(l)) {
      StringRef text = name.getName().getValue();
      if (text.consume_front(kOpKindLocPrefix) && !llvm::is_contained(kinds, text))
        kinds.push_back(text.str());
    } else if (auto file = dyn_cast<FileLineColLoc>(l); file && position.empty()) {
      position = (llvm::sys::path::filename(file.getFilename().getValue()) +
                  ":" + Twine(file.getLine()) + ":" + Twine(file.getColumn()))
                     .str();
    }
    return WalkResult::advance();
  });
}

/// Row of the manifest's "profile" table for `kernel`.
DictionaryAttr describeKernel(Operation *kernel, StringRef entry,
                              bool layered) {
  SmallVector<std::string> kinds;
  std::string position;
  describe(kernel->getLoc(), kinds, position);
  // Loops built by later passes may carry no attn location of their own.
  if (kinds.empty())
    kernel->walk([&](Operation *op) {
      describe(op->getLoc(), kinds, position);
      return kinds.empty() ? WalkResult::advance() : WalkResult::interrupt();
    });
  Builder b(kernel->getContext());
  return b.getDictionaryAttr(
      {b.getNamedAttr("entry", b.getStringAttr(entry)),
       b.getNamedAttr("kind", b.getStringAttr(kinds.empty()
                                                  ? std::string("other")
                                                  : llvm::join(kinds, "+"))),
       b.getNamedAttr("source",
                      b.getStringAttr(position.empty() ? "?" : position)),
       b.getNamedAttr("parallel", b.getBoolAttr(isa<omp::ParallelOp>(kernel))),
       b.getNamedAttr("layered", b.getBoolAttr(layered))});
}

struct ProfileRegionsPass
    : attnc::impl::ProfileRegionsBase<ProfileRegionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Attribute> table;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      SmallVector<Operation *> kernels;
      collectKernels(fn.getBody(), kernels);
      StringRef entry = fn.getSymName();
      entry.consume_front("attnc_model_");
      for (Operation *kernel : kernels) {
        auto layerLoop = kernel->getParentOfType<scf::ForOp>();
        while (layerLoop && !isLayerLoop(layerLoop))
          layerLoop = layerLoop->getParentOfType<scf::ForOp>();
        instrument(kernel, table.size(), layerLoop);
        table.push_back(describeKernel(kernel, entry, bool(layerLoop)));
      }
    }
    if (table.empty())
      return;
    declareHook(module);
    if (failed(setManifestMember(module, "profile",
                                 ArrayAttr::get(&getContext(), table),
                                 getArgument())))
      signalPassFailure();
  }

  void declareHook(ModuleOp module) {
    if (module.lookupSymbol(kProfileHookSymbol))
      return;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    Location loc = module.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    auto global = b.create<LLVM::GlobalOp>(loc, ptr, /*isConstant=*/false,
                                           LLVM::Linkage::External,
                                           kProfileHookSymbol, Attribute());
    Block *init = b.createBlock(&global.getInitializerRegion());
    b.setInsertionPointToStart(init);
    b.create<LLVM::ReturnOp>(loc, b.create<LLVM::ZeroOp>(loc, ptr).getResult());
  }

  void instrument(Operation *kernel, int64_t id, scf::ForOp layerLoop) {
    Location loc = kernel->getLoc();
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    OpBuilder b(kernel);
    Value layer;
    if (layerLoop) {
      Value index = b.create<arith::DivUIOp>(
          loc,
          b.create<arith::SubIOp>(loc, layerLoop.getInductionVar(),
                                  layerLoop.getLowerBound()),
          layerLoop.getStep());
      layer = b.create<arith::IndexCastOp>(loc, b.getI32Type(), index);
    } else {
      layer = b.create<arith::ConstantIntOp>(loc, -1, 32);
    }
    auto region = b.create<arith::ConstantIntOp>(loc, id, 32);
    region->setAttr(kPerCallConstantAttr, b.getUnitAttr());
    Value hook = b.create<LLVM::LoadOp>(
        loc, ptr, b.create<LLVM::AddressOfOp>(loc, ptr, kProfileHookSymbol));
    Value on = b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ne, hook,
                                      b.create<LLVM::ZeroOp>(loc, ptr));
    auto call = [&](OpBuilder &at, ProfileEvent event) {
      Value code = at.create<arith::ConstantIntOp>(
          loc, static_cast<int32_t>(event), 32);
      at.create<scf::IfOp>(loc, on, [&](OpBuilder &then, Location l) {
        auto i32 = then.getI32Type();
        then.create<LLVM::CallOp>(
            l, LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                           {i32, i32, i32}),
            ValueRange{hook, code, region, layer});
        then.create<scf::YieldOp>(l);
      });
    };
    call(b, ProfileEvent::RegionBegin);
    if (auto parallel = dyn_cast<omp::ParallelOp>(kernel)) {
      Block &body = parallel.getRegion().front();
      OpBuilder inside = OpBuilder::atBlockBegin(&body);
      call(inside, ProfileEvent::ThreadBegin);
      // Thread end must precede the barrier that ends the region, so a
      // work-sharing loop right before it drops its own, equivalent one.
      Operation *terminator = body.getTerminator();
      if (auto loop = dyn_cast_or_null<omp::WsloopOp>(terminator->getPrevNode()))
        loop.setNowait(true);
      inside.setInsertionPoint(terminator);
      call(inside, ProfileEvent::ThreadEnd);
    }
    b.setInsertionPointAfter(kernel);
    call(b, ProfileEvent::RegionEnd);
  }
};

} // namespace
