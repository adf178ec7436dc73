//===- DimOrigin.cpp - Which model argument a dynamic size comes from -----===//
#include "attnc/Dialect/Attn/Transforms/DimOrigin.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <optional>

using namespace mlir;
using namespace attnc::attn;

namespace {

/// A dimension of a value.
using DimOf = std::pair<Value, unsigned>;

/// The operand dimension that dimension `d` of `result` has the size of, by
/// the op's shape rule, or nothing if the op computes it.
std::optional<DimOf> throughOp(OpResult result, unsigned d) {
  Operation *op = result.getOwner();
  if (isa<tensor::CastOp>(op))
    return DimOf{op->getOperand(0), d};
  auto shaped = dyn_cast<ShapeRuleOpInterface>(op);
  if (!shaped)
    return std::nullopt;
  ShapeRule rule = shaped.getShapeRule();
  auto from = d < rule.size() ? rule[d].operandDim() : std::nullopt;
  if (!from)
    return std::nullopt;
  return DimOf{op->getOperand(from->first), from->second};
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
