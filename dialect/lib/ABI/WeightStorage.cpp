//===- WeightStorage.cpp - Every matrix weight in one element type --------===//
//
// attnc compile --weight-type: the parameters read only as linear weights
// or embedding tables take the chosen element type (Passes.td).
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/ABI/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace attnc::attn {
#define GEN_PASS_DEF_WEIGHTSTORAGE
#include "attnc/Dialect/Attn/ABI/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc;

namespace {

struct WeightStoragePass
    : attnc::attn::impl::WeightStorageBase<WeightStoragePass> {
  using WeightStorageBase::WeightStorageBase;

  void runOnOperation() override {
    std::optional<FloatType> element =
        parseWeightType(&getContext(), type);
    if (!element) {
      getOperation().emitError() << "attnc-weight-storage: unknown type '"
                                 << type << "'; expected "
                                 << kWeightTypeNames;
      return signalPassFailure();
    }
    getOperation().walk([&](func::FuncOp fn) {
      if (!fn->hasAttr(kModelAttr) || fn.isExternal())
        return;
      for (BlockArgument arg : fn.getArguments()) {
        auto kind = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    kKindAttr);
        auto argType = dyn_cast<RankedTensorType>(arg.getType());
        if (!kind || kind.getValue() != "param" || !argType ||
            argType.getRank() < 2 || !isa<FloatType>(argType.getElementType()) ||
            arg.use_empty() || firstNonWeightUser(arg))
          continue;
        setWeightStorage(fn, arg, *element);
      }
    });
  }
};

} // namespace
