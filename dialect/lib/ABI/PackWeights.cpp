//===- PackWeights.cpp - Linear weights in the kernels' panel layout ------===//
//
// y = linear(x, w) with w a parameter ([out, in] or [in, out]) becomes
//
//   y = linear(x, wp) layout panels,  wp : [ceil(out / 48), in, 48]
//
// with wp a new argument the runtime builds once, at load, from w (or from
// the members of a parameter packed by attnc-fuse-projections), in w's
// element type (f32, or bf16/f16 storage: attnc-weight-storage). Stacked
// parameters keep their layer dimension first: [layers, ceil(out/48), in, 48].
// With weight-type=int8 the panels are i8 and a second new argument holds
// their f16 scales, [layers?, ceil(out/48), ceil(in/32), 48] (f16: 2 bytes
// per 32 weights, where f32's 4 made each weight 6% more bytes). On an
// AVX-512 target each quad of inputs is side by side per column, wp :
// [ceil(out / 48), ceil(in / 4), 48, 4] (one load holds 4 k of 16 columns,
// which the kernel widens with in-lane shifts and masks), elsewhere the
// panels are plain, [ceil(out / 24), in, 24]:
//
//   y = linear(x, wp scales sp) layout panel_quads_f32   (or panels)
//
// With weight-type=int8 every embedding table (a rank-2 parameter) is read
// from int8 too: from the quads of the linear it is tied to ([out, in] =
// [V, E], GPT-2's wte and its logits projection), one copy for both, or
// else from its own pack of panels of width 1, its rows (rows(t), [V, E, 1],
// and row_scales(t), [V, ceil(E / 32), 1]):
//
//   e = embedding(wp[ids]) scales sp rows V
//
// With round-activations a bf16 w becomes pairs of inputs side by side,
// wp : [ceil(out / 48), ceil(in / 2), 48, 2], read in layout panel_pairs
// (the input rounded to bf16: the operands of vdpbf16ps). With both
// weight-type=int8 and round-activations the same quads are read in layout
// panel_quads (the input quantized to int8: the operand of vpdpbusd).
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/ABI/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/DenseMap.h"

namespace attnc::attn {
#define GEN_PASS_DEF_PACKWEIGHTS
#include "attnc/Dialect/Attn/ABI/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc;
using namespace attnc::attn;

namespace {

/// A linear's weight: a parameter (or packed parameter) of the model, or one
/// layer of a stacked one.
struct WeightSource {
  BlockArgument arg;
  tensor::ExtractSliceOp slice; // null when the weight is `arg` itself
};

std::optional<WeightSource> weightSource(Value weight, func::FuncOp model) {
  auto isParam = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != &model.getBody().front())
      return false;
    StringRef kind = getArgKind(model, arg.getArgNumber());
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    return (kind == kParamKind ||
            (kind == kPackedKind &&
             !model.getArgAttr(arg.getArgNumber(), kPackOutAxisAttr))) &&
           type && type.hasStaticShape() &&
           isa<Float32Type, BFloat16Type, Float16Type>(type.getElementType());
  };
  if (isParam(weight) && cast<RankedTensorType>(weight.getType()).getRank() == 2)
    return WeightSource{cast<BlockArgument>(weight), nullptr};
  // stacked[layer, 0, 0] of size [1, a, b], rank-reduced.
  auto slice = weight.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || !isParam(slice.getSource()) || !slice.hasUnitStride() ||
      slice.getSourceType().getRank() != 3 || slice.getType().getRank() != 2 ||
      slice.getStaticSizes()[0] != 1)
    return std::nullopt;
  SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
  for (int64_t d : {1, 2})
    if (getConstantIntValue(offsets[d]) != 0 ||
        slice.getStaticSizes()[d] != slice.getSourceType().getDimSize(d))
      return std::nullopt;
  return WeightSource{cast<BlockArgument>(slice.getSource()), slice};
}

/// The arguments a packed weight is read from: its panels and, for int8
/// panels, their scales.
struct Panels {
  BlockArgument values, scales;
};

class WeightPacker {
public:
  WeightPacker(func::FuncOp model, bool int8, bool pairs)
      : model(model), int8(int8), pairs(pairs),
        int8Quads(int8 && (pairs || getVectorTarget(model).lanes >=
                                        kMinLanesForWideQuads)) {}
  void run();

private:
  /// Packs the linears' weights.
  void packLinears();
  /// Reads the embedding tables from int8 panels.
  void packTables();
  /// The panel arguments of `source` read in `layout`, `width` output
  /// features wide (1: rows), added on first use.
  Panels panelsOf(BlockArgument source, WeightLayout layout, int64_t width);
  /// Adds a packed argument of `type` from the packing attributes `attrs`,
  /// named `name`.
  BlockArgument addPacked(RankedTensorType type, StringRef name,
                          ArrayRef<NamedAttribute> attrs, Location loc);

  /// Whether `source` is packed in panel_pairs.
  bool inPairs(BlockArgument source) const {
    return pairs && !int8 &&
           cast<RankedTensorType>(source.getType()).getElementType().isBF16();
  }
  /// Inputs side by side per column: 2 (panel_pairs), 4 (int8:
  /// panel_quads or panel_quads_f32), 1 (panels).
  int64_t groupOf(BlockArgument source) const {
    return inPairs(source) ? 2 : int8Quads ? 4 : 1;
  }

  /// The int8 weights of an f32 input are in quads on AVX-512 targets: there
  /// the quads' in-lane widening beats vpmovsxbd's lane crossing (GPT-2's
  /// decode step 7-9% faster on Zen 4), while on AVX2 the quads' extra live
  /// registers spill in the 4-row tiles (prefill 13% slower), and plain
  /// panels stay (docs/performance.md, "int8 weights in quads").
  static constexpr int64_t kMinLanesForWideQuads = 16;

  func::FuncOp model;
  bool int8, pairs;
  /// Whether int8 weights are packed in quads of inputs.
  bool int8Quads;
  DenseMap<std::tuple<BlockArgument, unsigned, int64_t>, Panels> packed;
  SmallVector<BlockArgument> sources; // the arguments packs were made of
};

BlockArgument WeightPacker::addPacked(RankedTensorType type, StringRef name,
                                      ArrayRef<NamedAttribute> attrs,
                                      Location loc) {
  Builder b(model.getContext());
  SmallVector<Attribute> shapeAttr;
  for (int64_t size : type.getShape())
    shapeAttr.push_back(b.getI64IntegerAttr(size));
  SmallVector<NamedAttribute> all(attrs);
  all.push_back(b.getNamedAttr(kNameAttr, b.getStringAttr(name)));
  all.push_back(b.getNamedAttr(kShapeAttr, b.getArrayAttr(shapeAttr)));
  unsigned at = model.getNumArguments();
  (void)model.insertArgument(at, type, b.getDictionaryAttr(all), loc);
  return model.getArgument(at);
}

Panels WeightPacker::panelsOf(BlockArgument source, WeightLayout layout,
                              int64_t width) {
  auto key = std::tuple{source, static_cast<unsigned>(layout), width};
  auto existing = packed.find(key);
  if (existing != packed.end())
    return existing->second;
  OpBuilder b(model.getContext());
  unsigned index = source.getArgNumber();
  auto type = cast<RankedTensorType>(source.getType());
  bool stacked = type.getRank() == 3;
  int64_t outAxis = (stacked ? 1 : 0) + (layout == WeightLayout::OutIn ? 0 : 1);
  int64_t inAxis = (stacked ? 1 : 0) + (layout == WeightLayout::OutIn ? 1 : 0);
  SmallVector<int64_t> shape;
  if (stacked)
    shape.push_back(type.getDimSize(0));
  // A table's rows are looked up one value at a time: never side by side.
  int64_t group = width == 1 ? 1 : groupOf(source);
  int64_t in = type.getDimSize(inAxis);
  shape.append({(type.getDimSize(outAxis) + width - 1) / width,
                (in + group - 1) / group, width});
  // The scales: one row per block of inputs.
  SmallVector<int64_t> scalesShape(shape);
  scalesShape[scalesShape.size() - 2] = (in + kInt8Block - 1) / kInt8Block;
  if (group > 1)
    shape.push_back(group);

  auto name = model.getArgAttrOfType<StringAttr>(index, kNameAttr);
  bool isPack = getArgKind(model, index) == kPackedKind;
  Attribute of = isPack ? model.getArgAttr(index, kPackOfAttr)
                        : b.getArrayAttr({name});
  Attribute axis = isPack ? model.getArgAttr(index, kPackAxisAttr)
                          : b.getI64IntegerAttr(0);
  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr(kKindAttr, b.getStringAttr(kPackedKind)),
      b.getNamedAttr(kPackOfAttr, of), b.getNamedAttr(kPackAxisAttr, axis),
      b.getNamedAttr(kPackOutAxisAttr, b.getI64IntegerAttr(outAxis))};
  if (Attribute layers = model.getArgAttr(index, kLayersAttr))
    attrs.push_back(b.getNamedAttr(kLayersAttr, layers));
  SmallVector<NamedAttribute> valueAttrs(attrs);
  if (group > 1)
    valueAttrs.push_back(b.getNamedAttr(
        group == 2 ? kPackPairsAttr : kPackQuadsAttr, b.getUnitAttr()));
  bool rows = width == 1;
  std::string panelsName =
      ((rows ? "rows(" : "panels(") + name.getValue() + ")").str();
  Type element = int8 ? Type(b.getI8Type()) : type.getElementType();
  Panels result;
  result.values = addPacked(RankedTensorType::get(shape, element), panelsName,
                            valueAttrs, source.getLoc());
  if (int8) {
    attrs.push_back(
        b.getNamedAttr(kPackBlockAttr, b.getI64IntegerAttr(kInt8Block)));
    result.scales = addPacked(
        RankedTensorType::get(scalesShape, b.getF16Type()),
        (rows ? "row_scales(" : "scales(") + name.getValue().str() + ")", attrs,
        source.getLoc());
  }
  packed[key] = result;
  return result;
}

void WeightPacker::run() {
  packLinears();
  if (int8)
    packTables();
  // Packed arguments only these ops read are built for nothing.
  SmallVector<unsigned> unread;
  for (BlockArgument arg : sources)
    if (arg.use_empty() &&
        getArgKind(model, arg.getArgNumber()) == kPackedKind &&
        !llvm::is_contained(unread, arg.getArgNumber()))
      unread.push_back(arg.getArgNumber());
  llvm::sort(unread, std::greater<>());
  for (unsigned index : unread)
    (void)model.eraseArgument(index);
}

void WeightPacker::packTables() {
  SmallVector<EmbeddingOp> lookups;
  model.walk([&](EmbeddingOp op) {
    if (!op.getScales())
      lookups.push_back(op);
  });
  int64_t width = getVectorTarget(model).panelWidth();
  for (EmbeddingOp op : lookups) {
    std::optional<WeightSource> source = weightSource(op.getTable(), model);
    if (!source || source->slice)
      continue;
    // Tied: the logits projection's panels (or quads) hold row id as output
    // feature id: one copy serves both.
    auto tied = packed.find(std::tuple{
        source->arg, static_cast<unsigned>(WeightLayout::OutIn), width});
    Panels panels = tied != packed.end()
                        ? tied->second
                        : panelsOf(source->arg, WeightLayout::OutIn, 1);
    OpBuilder b(op);
    auto lookup = b.create<EmbeddingOp>(
        op.getLoc(), op.getType(), panels.values, op.getIds(), panels.scales,
        b.getI64IntegerAttr(
            cast<RankedTensorType>(source->arg.getType()).getDimSize(0)));
    op.getResult().replaceAllUsesWith(lookup.getResult());
    op.erase();
    sources.push_back(source->arg);
  }
}

void WeightPacker::packLinears() {
  SmallVector<LinearOp> linears;
  model.walk([&](LinearOp op) {
    if (op.getWeightLayout() == WeightLayout::OutIn ||
        op.getWeightLayout() == WeightLayout::InOut)
      linears.push_back(op);
  });
  int64_t width = getVectorTarget(model).panelWidth();
  for (LinearOp op : linears) {
    std::optional<WeightSource> source = weightSource(op.getWeight(), model);
    if (!source)
      continue;
    Panels panels = panelsOf(source->arg, op.getWeightLayout(), width);
    OpBuilder b(op);
    // The layer's slice of a stacked argument, like the source's.
    auto layerOf = [&](BlockArgument arg) -> Value {
      tensor::ExtractSliceOp like = source->slice;
      if (!arg || !like)
        return arg;
      auto type = cast<RankedTensorType>(arg.getType());
      SmallVector<OpFoldResult> offsets{like.getMixedOffsets()[0]};
      SmallVector<OpFoldResult> sizes{b.getIndexAttr(1)};
      for (int64_t size : type.getShape().drop_front()) {
        offsets.push_back(b.getIndexAttr(0));
        sizes.push_back(b.getIndexAttr(size));
      }
      SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
      return b.create<tensor::ExtractSliceOp>(
          like.getLoc(),
          RankedTensorType::get(type.getShape().drop_front(),
                                type.getElementType()),
          arg, offsets, sizes, strides);
    };
    auto replacement = b.create<LinearOp>(
        op.getLoc(), op.getType(), op.getInput(), layerOf(panels.values),
        layerOf(panels.scales), op.getBias(),
        groupOf(source->arg) == 2 ? WeightLayout::PanelPairs
        : groupOf(source->arg) == 4
            ? (pairs ? WeightLayout::PanelQuads : WeightLayout::PanelQuadsF32)
            : WeightLayout::Panels);
    op.getResult().replaceAllUsesWith(replacement.getResult());
    op.erase();
    if (source->slice && source->slice->use_empty())
      source->slice.erase();
    sources.push_back(source->arg);
  }
}

struct PackWeightsPass : attnc::attn::impl::PackWeightsBase<PackWeightsPass> {
  using PackWeightsBase::PackWeightsBase;
  void runOnOperation() override {
    FailureOr<func::FuncOp> model = lookupOptionalModelFunction(getOperation());
    if (failed(model))
      return signalPassFailure();
    if (!weightType.empty() && weightType != kInt8WeightType) {
      getOperation().emitError() << "attnc-pack-weights: unknown weight-type '"
                                 << weightType << "'; expected "
                                 << kInt8WeightType << " or none";
      return signalPassFailure();
    }
    if (*model)
      WeightPacker(*model, weightType == kInt8WeightType, roundActivations)
          .run();
  }
};

} // namespace
