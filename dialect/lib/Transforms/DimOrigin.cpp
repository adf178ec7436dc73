//===- DimOrigin.cpp - Which model argument a dynamic size comes from -----===//
#include "attnc/Dialect/Attn/Transforms/DimOrigin.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/TypeSwitch.h"

#include <optional>

using namespace mlir;
using namespace attnc::attn;

namespace {

/// A dimension of a value.
using DimOf = std::pair<Value, unsigned>;

/// The operand dimension that dimension `d` of `result` has the size of, or
/// nothing if the op computes it (or is unknown here).
std::optional<DimOf> throughOp(OpResult result, unsigned d) {
  Operation *op = result.getOwner();
  unsigned rank = cast<ShapedType>(result.getType()).getRank();
  using Step = std::optional<DimOf>;
  auto when = [](bool condition, Value v, unsigned dim) -> Step {
    if (condition)
      return DimOf{v, dim};
    return std::nullopt;
  };
  if (op->hasTrait<attnc::attn::OpTrait::ShapeOfFirstOperand>() ||
      isa<tensor::CastOp>(op))
    return DimOf{op->getOperand(0), d};
  return llvm::TypeSwitch<Operation *, Step>(op)
      // [..., in] -> [..., out]: all but the last dimension.
      .Case<LinearOp, SliceOp>(
          [&](Operation *o) { return when(d + 1 < rank, o->getOperand(0), d); })
      .Case([&](MatmulOp m) -> Step {
        return DimOf{d + 1 < rank ? m.getLhs() : m.getRhs(), d};
      })
      .Case([&](TransposeOp t) -> Step {
        return DimOf{t.getInput(), d + 2 < rank ? d : 2 * rank - 3 - d};
      })
      .Case([&](SplitHeadsOp s) {
        return when(d == 0 || d == 2, s.getInput(), d / 2);
      })
      .Case([&](MergeHeadsOp m) { return when(d < 2, m.getInput(), 2 * d); })
      .Case([&](RepeatKVOp r) { return when(d != 1, r.getInput(), d); })
      .Case([&](ReshapeOp r) -> Step {
        // The k-th dynamic dimension has the size of input dimension dims[k].
        auto type = r.getType();
        if (!type.isDynamicDim(d))
          return std::nullopt;
        unsigned k = 0;
        for (unsigned i = 0; i < d; ++i)
          k += type.isDynamicDim(i);
        return DimOf{r.getInput(), static_cast<unsigned>(r.getDims()[k])};
      })
      .Case([&](AttentionOp a) -> Step {
        return d < 3 ? DimOf{a.getQuery(), d} : DimOf{a.getValue(), 3};
      })
      .Case([&](AttentionProbsOp a) -> Step {
        return d < 3 ? DimOf{a.getQuery(), d} : DimOf{a.getKey(), 2};
      })
      .Case([&](EmbeddingOp e) { return when(d + 1 < rank, e.getIds(), d); })
      .Case([&](SinusoidalOp s) { return when(d < 2, s.getPositions(), d); })
      .Default([](Operation *) -> Step { return std::nullopt; });
}

FailureOr<DimOf> toBlockArgument(Value value, unsigned dim);

/// Whether every iteration of `loop` yields, for the iter_arg `iterArg`, a
/// tensor whose dimension `dim` has the size of the iter_arg's.
bool keepsSize(scf::ForOp loop, BlockArgument iterArg, unsigned dim) {
  Value yielded = loop.getTiedLoopYieldedValue(iterArg)->get();
  FailureOr<DimOf> back = toBlockArgument(yielded, dim);
  return succeeded(back) && back->first == iterArg && back->second == dim;
}

/// Follows a dimension back to the block argument whose size it has.
FailureOr<DimOf> toBlockArgument(Value value, unsigned dim) {
  while (auto result = dyn_cast<OpResult>(value)) {
    if (auto loop = dyn_cast<scf::ForOp>(result.getOwner())) {
      BlockArgument iterArg = loop.getTiedLoopRegionIterArg(result);
      if (!keepsSize(loop, iterArg, dim))
        return failure();
      value = loop.getTiedLoopInit(result)->get();
      continue;
    }
    std::optional<DimOf> next = throughOp(result, dim);
    if (!next)
      return failure();
    std::tie(value, dim) = *next;
  }
  return DimOf{value, dim};
}

} // namespace

FailureOr<DimOrigin> attnc::attn::traceDimOrigin(func::FuncOp fn, Value value,
                                                 unsigned dim) {
  while (true) {
    FailureOr<DimOf> found = toBlockArgument(value, dim);
    if (failed(found))
      return failure();
    auto arg = cast<BlockArgument>(found->first);
    dim = found->second;
    Operation *owner = arg.getOwner()->getParentOp();
    if (owner == fn.getOperation())
      return DimOrigin{arg, dim};
    auto loop = dyn_cast<scf::ForOp>(owner);
    if (!loop || arg == loop.getInductionVar() || !keepsSize(loop, arg, dim))
      return failure();
    value = loop.getTiedLoopInit(arg)->get();
  }
}
