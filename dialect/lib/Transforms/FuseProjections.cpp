//===- FuseProjections.cpp - One wide linear for projections of one input -===//
//
// q = linear(x, wq, bq), k = linear(x, wk, bk), v = linear(x, wv, bv) become
//
//   qkv = linear(x, wqkv, bqkv);  q = slice(qkv, 0, Q); k = slice(qkv, Q, K) ...
//
// with wqkv a new argument packed from wq, wk, wv. The members stay in the
// signature (unused), so the manifest still lists the checkpoint's tensors;
// the packed argument tells the runtime what to concatenate.
//
// The two products of a gated unit (SwiGLU's `silu(gate) * up`, GEGLU, ...)
// stay apart: the activation and multiply then fuse into the second
// product's register tile as its epilogue, which a wide product cannot do
// (no tile holds both halves of one output element).
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/MapVector.h"

namespace attnc::attn {
#define GEN_PASS_DEF_FUSEPROJECTIONS
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc;
using namespace attnc::attn;

namespace {

/// Where a weight or bias comes from: a parameter of the model, or the
/// current layer's slice of a stacked one.
struct ParamUse {
  BlockArgument param;
  tensor::ExtractSliceOp slice; // null at function level
};

/// `value` as a parameter of `model` used only here, if it is one.
std::optional<ParamUse> asPrivateParam(Value value, func::FuncOp model) {
  auto isParam = [&](BlockArgument arg) {
    return arg.getOwner() == &model.getBody().front() &&
           getArgKind(model, arg.getArgNumber()) == kParamKind;
  };
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (isParam(arg) && arg.hasOneUse() &&
        !model.getArgAttr(arg.getArgNumber(), kLayersAttr))
      return ParamUse{arg, nullptr};
    return std::nullopt;
  }
  // A layer's slice: stacked[layer, 0, ...] of the full per-layer size, in
  // the layer loop, or stacked[0, ...] of a single layer (no loop).
  auto slice = value.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || !value.hasOneUse())
    return std::nullopt;
  auto arg = dyn_cast<BlockArgument>(slice.getSource());
  if (!arg || !isParam(arg) || !arg.hasOneUse() || !slice.hasUnitStride() ||
      slice.getSourceType().getRank() != slice.getType().getRank() + 1 ||
      slice.getStaticSizes()[0] != 1)
    return std::nullopt;
  SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
  auto loop = slice->getParentOfType<scf::ForOp>();
  bool singleLayer = !loop && slice.getSourceType().getDimSize(0) == 1 &&
                     getConstantIntValue(offsets[0]) == 0;
  if (!singleLayer &&
      (!loop || offsets[0] != OpFoldResult(loop.getInductionVar())))
    return std::nullopt;
  for (auto [i, offset] : llvm::enumerate(ArrayRef(offsets).drop_front()))
    if (getConstantIntValue(offset) != 0 ||
        slice.getStaticSizes()[i + 1] != slice.getSourceType().getDimSize(i + 1))
      return std::nullopt;
  return ParamUse{arg, slice};
}

/// One linear with its weight and bias parameters.
struct Member {
  LinearOp op;
  ParamUse weight;
  std::optional<ParamUse> bias;
};

/// The linears whose results meet in a gated unit, mul(act(a), b) with act
/// an activation and b (or act(b)) another linear's result.
llvm::SmallPtrSet<Operation *, 8> gatedLinears(Block &block) {
  auto throughActivation = [](Value v, bool &activated) -> LinearOp {
    if (Operation *def = v.getDefiningOp();
        def && def->hasTrait<attnc::attn::OpTrait::Activation>()) {
      activated = true;
      v = def->getOperand(0);
    }
    return v.getDefiningOp<LinearOp>();
  };
  llvm::SmallPtrSet<Operation *, 8> gated;
  for (auto mul : block.getOps<MulOp>()) {
    bool activated = false;
    LinearOp lhs = throughActivation(mul.getLhs(), activated);
    LinearOp rhs = throughActivation(mul.getRhs(), activated);
    if (lhs && rhs && activated) {
      gated.insert(lhs);
      gated.insert(rhs);
    }
  }
  return gated;
}

class ProjectionFuser {
public:
  explicit ProjectionFuser(func::FuncOp model) : model(model) {}
  void run();

private:
  void fuse(ArrayRef<Member> group);
  /// A new argument packed from `members` along `axis`, its value at the
  /// insertion point of `b` (the current layer's slice when stacked).
  Value pack(OpBuilder &b, ArrayRef<ParamUse> members, int64_t axis);

  func::FuncOp model;
};

Value ProjectionFuser::pack(OpBuilder &b, ArrayRef<ParamUse> members,
                            int64_t axis) {
  auto firstType = cast<RankedTensorType>(members[0].param.getType());
  bool stacked = static_cast<bool>(members[0].slice);
  int64_t fullAxis = axis + (stacked ? 1 : 0);
  SmallVector<int64_t> shape(firstType.getShape());
  shape[fullAxis] = 0;
  SmallVector<Attribute> names;
  std::string name;
  for (const ParamUse &m : members) {
    shape[fullAxis] += cast<RankedTensorType>(m.param.getType())
                           .getDimSize(fullAxis);
    StringAttr memberName = StringAttr::get(
        model.getContext(), getArgName(model, m.param.getArgNumber()));
    names.push_back(memberName);
    name += (name.empty() ? "" : "+") + memberName.getValue().str();
  }
  auto type = RankedTensorType::get(shape, firstType.getElementType());
  SmallVector<Attribute> shapeAttr;
  for (int64_t size : shape)
    shapeAttr.push_back(b.getI64IntegerAttr(size));
  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr(kKindAttr, b.getStringAttr(kPackedKind)),
      b.getNamedAttr(kNameAttr, b.getStringAttr(name)),
      b.getNamedAttr(kShapeAttr, b.getArrayAttr(shapeAttr)),
      b.getNamedAttr(kPackOfAttr, b.getArrayAttr(names)),
      b.getNamedAttr(kPackAxisAttr, b.getI64IntegerAttr(fullAxis))};
  if (Attribute layers =
          model.getArgAttr(members[0].param.getArgNumber(), kLayersAttr))
    attrs.push_back(b.getNamedAttr(kLayersAttr, layers));
  unsigned index = model.getNumArguments();
  (void)model.insertArgument(index, type, b.getDictionaryAttr(attrs),
                             model.getLoc());
  Value packed = model.getArgument(index);
  if (!stacked)
    return packed;
  // The current layer's slice, as the members' were taken.
  tensor::ExtractSliceOp like = members[0].slice;
  SmallVector<OpFoldResult> offsets = like.getMixedOffsets();
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(1)};
  for (int64_t size : ArrayRef(shape).drop_front())
    sizes.push_back(b.getIndexAttr(size));
  SmallVector<OpFoldResult> strides(shape.size(), b.getIndexAttr(1));
  auto sliceType = RankedTensorType::get(ArrayRef(shape).drop_front(),
                                         firstType.getElementType());
  return b.create<tensor::ExtractSliceOp>(like.getLoc(), sliceType, packed,
                                          offsets, sizes, strides);
}

void ProjectionFuser::fuse(ArrayRef<Member> group) {
  LinearOp first = group.front().op;
  OpBuilder b(first);
  // The weights are [out, in] or [in, out]: concatenated along `out`.
  int64_t weightAxis =
      first.getWeightLayout() == WeightLayout::OutIn ? 0 : 1;
  SmallVector<ParamUse> weights, biases;
  for (const Member &m : group) {
    weights.push_back(m.weight);
    if (m.bias)
      biases.push_back(*m.bias);
  }
  Value weight = pack(b, weights, weightAxis);
  Value bias = biases.empty() ? Value() : pack(b, biases, 0);

  auto resultType = cast<RankedTensorType>(first.getType());
  int64_t total = 0;
  SmallVector<Location> locs;
  for (Member m : group) {
    total += m.op.getOutFeatures();
    locs.push_back(m.op.getLoc());
  }
  SmallVector<int64_t> shape(resultType.getShape());
  shape.back() = total;
  Location loc = b.getFusedLoc(locs);
  Value fused = b.create<LinearOp>(loc, resultType.clone(shape), first.getInput(),
                                   weight, bias, first.getWeightLayout());
  // All slices first: the builder inserts before `first`, erased below.
  int64_t offset = 0;
  SmallVector<Value> parts;
  for (Member m : group) {
    int64_t size = m.op.getOutFeatures();
    parts.push_back(b.create<SliceOp>(m.op.getLoc(), m.op.getType(), fused,
                                      offset, size));
    offset += size;
  }
  for (auto [m, part] : llvm::zip(group, parts)) {
    Member member = m;
    member.op.getResult().replaceAllUsesWith(part);
    member.op.erase();
    if (member.weight.slice)
      member.weight.slice.erase();
    if (member.bias && member.bias->slice)
      member.bias->slice.erase();
  }
}

void ProjectionFuser::run() {
  SmallVector<Block *> blocks;
  model.walk([&](Block *block) { blocks.push_back(block); });
  for (Block *block : blocks) {
    // Linears of one input, layout and bias presence, whose parameters are
    // private and stacked alike, in program order.
    // Key: (input, layout | bias << 1 | stacked << 2).
    llvm::MapVector<std::pair<Value, unsigned>, SmallVector<Member>> groups;
    llvm::SmallPtrSet<Operation *, 8> gated = gatedLinears(*block);
    for (Operation &op : *block) {
      auto linear = dyn_cast<LinearOp>(op);
      if (!linear || gated.contains(linear))
        continue;
      std::optional<ParamUse> weight = asPrivateParam(linear.getWeight(), model);
      if (!weight)
        continue;
      std::optional<ParamUse> bias;
      if (Value b = linear.getBias()) {
        bias = asPrivateParam(b, model);
        if (!bias || static_cast<bool>(bias->slice) !=
                         static_cast<bool>(weight->slice))
          continue;
      }
      bool stacked = static_cast<bool>(weight->slice);
      if (stacked &&
          (weight->slice->getBlock() != block ||
           (bias && bias->slice->getBlock() != block)))
        continue;
      unsigned kind = static_cast<unsigned>(linear.getWeightLayout()) |
                      (bias ? 2u : 0u) | (stacked ? 4u : 0u);
      groups[{linear.getInput(), kind}].push_back({linear, *weight, bias});
    }
    for (auto &entry : groups) {
      SmallVector<Member> &group = entry.second;
      // Stacked members must have the same number of layers.
      auto layers = [](const Member &m) {
        return cast<RankedTensorType>(m.weight.param.getType()).getDimSize(0);
      };
      // Members stored in different types (f32, bf16) pack into none.
      auto element = [](const Member &m) {
        return cast<RankedTensorType>(m.weight.param.getType())
            .getElementType();
      };
      bool stacked = static_cast<bool>(group.front().weight.slice);
      if (group.size() < 2 ||
          llvm::any_of(group,
                       [&](const Member &m) {
                         return element(m) != element(group.front());
                       }) ||
          (stacked && llvm::any_of(group, [&](const Member &m) {
             return layers(m) != layers(group.front());
           })))
        continue;
      fuse(group);
    }
  }
}

struct FuseProjectionsPass
    : attnc::attn::impl::FuseProjectionsBase<FuseProjectionsPass> {
  void runOnOperation() override {
    FailureOr<func::FuncOp> model = lookupOptionalModelFunction(getOperation());
    if (failed(model))
      return signalPassFailure();
    if (*model)
      ProjectionFuser(*model).run();
  }
};

} // namespace
