//===- BoundEmbeddingIndices.cpp - The rows of the tables inputs index ----===//
//
// An input read directly as embedding ids gets attn.index_bound, the row
// count of the smallest table it indexes: the runtime refuses ids outside
// it (manifest "index_bound"), where the compiled lookup would clamp them.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/ABI/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

namespace attnc::attn {
#define GEN_PASS_DEF_BOUNDEMBEDDINGINDICES
#include "attnc/Dialect/Attn/ABI/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc;

namespace {

struct BoundEmbeddingIndicesPass
    : attn::impl::BoundEmbeddingIndicesBase<BoundEmbeddingIndicesPass> {
  void runOnOperation() override {
    getOperation()->walk([](attn::EmbeddingOp op) {
      auto arg = dyn_cast<BlockArgument>(op.getIds());
      auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                      : func::FuncOp();
      int64_t rows = op.getRowCount();
      if (!func || arg.getOwner() != &func.getBody().front() ||
          ShapedType::isDynamic(rows))
        return;
      unsigned index = arg.getArgNumber();
      if (auto old = func.getArgAttrOfType<IntegerAttr>(index, kIndexBoundAttr))
        rows = std::min(rows, old.getInt());
      func.setArgAttr(index, kIndexBoundAttr,
                      IntegerAttr::get(IntegerType::get(func.getContext(), 64),
                                       rows));
    });
  }
};

} // namespace
