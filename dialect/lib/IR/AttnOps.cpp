//===- AttnOps.cpp - Verifiers and folders of attn ops --------------------===//
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/VectorTarget.h"
#include "attnc/Dialect/Attn/IR/WeightStorage.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

using namespace mlir;
using namespace attnc::attn;

#include "attnc/Dialect/Attn/IR/AttnOpsEnums.cpp.inc"

#define GET_OP_CLASSES
#include "attnc/Dialect/Attn/IR/AttnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape checking helpers
//===----------------------------------------------------------------------===//

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Two sizes that must agree: equal, or at least one unknown until run time.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Checks that `value` has rank `rank` (or at least `rank` with `atLeast`).
static LogicalResult verifyRank(Operation *op, Value value, StringRef what,
                                int64_t rank, bool atLeast = false) {
  int64_t actual = tensorType(value).getRank();
  if (atLeast ? actual >= rank : actual == rank)
    return success();
  return op->emitOpError() << "expects " << what << " of rank "
                           << (atLeast ? "at least " : "") << rank
                           << ", got rank " << actual << " ("
                           << value.getType() << ")";
}

/// Checks that dimension `da` of `a` agrees with dimension `db` of `b`.
static LogicalResult verifyDimsAgree(Operation *op, Value a, StringRef aName,
                                     int64_t da, Value b, StringRef bName,
                                     int64_t db) {
  int64_t sa = tensorType(a).getDimSize(da), sb = tensorType(b).getDimSize(db);
  if (compatible(sa, sb))
    return success();
  return op->emitOpError() << "dimension " << da << " of " << aName << " ("
                           << sa << ") does not match dimension " << db
                           << " of " << bName << " (" << sb << ")";
}

/// Dimensions 0 .. n-1 of operand `operand`, in order.
static ShapeRule operandDims(unsigned operand, unsigned n) {
  ShapeRule rule;
  for (unsigned d = 0; d < n; ++d)
    rule.push_back(DimRule::of(operand, d));
  return rule;
}

/// A size computed from two static sizes; dynamic when either is.
static DimRule sizeOf(int64_t a, int64_t b,
                      llvm::function_ref<int64_t(int64_t, int64_t)> f) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
    return DimRule::size(ShapedType::kDynamic);
  return DimRule::size(f(a, b));
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

namespace {
/// Inputs side by side per column of a weight in `layout`: 2 (bf16 pairs),
/// 4 (int8 quads, the input quantized or f32), 0 for the other layouts.
int64_t groupOf(WeightLayout layout) {
  switch (layout) {
  case WeightLayout::PanelPairs:
    return 2;
  case WeightLayout::PanelQuads:
  case WeightLayout::PanelQuadsF32:
    return 4;
  default:
    return 0;
  }
}
} // namespace

int64_t LinearOp::getInFeatures() {
  ArrayRef<int64_t> w = getWeight().getType().getShape();
  if (getWeightLayout() == WeightLayout::Panels)
    return w[1];
  // Pairs (quads) hold ceil(in / 2) (ceil(in / 4)) rows: `in` itself is the
  // input's.
  if (int64_t group = groupOf(getWeightLayout())) {
    int64_t in = getInput().getType().getShape().back();
    return ShapedType::isDynamic(in) ? group * w[1] : in;
  }
  return getWeightLayout() == WeightLayout::OutIn ? w[1] : w[0];
}

int64_t LinearOp::getOutFeatures() {
  if (getWeightLayout() == WeightLayout::Panels ||
      groupOf(getWeightLayout()))
    return getType().getShape().back();
  ArrayRef<int64_t> w = getWeight().getType().getShape();
  return getWeightLayout() == WeightLayout::OutIn ? w[0] : w[1];
}

/// The scales of int8 panels `values` ([P, in, W], or quads of `in`:
/// [P, ceil(in / 4), W, 4]): [P, ceil(in / 32), W] (docs/abi.md "int8
/// weights").
static LogicalResult verifyInt8Scales(Operation *op, Value values,
                                      Value scales, int64_t in) {
  ArrayRef<int64_t> w = tensorType(values).getShape();
  int64_t blocks = (in + attnc::kInt8Block - 1) / attnc::kInt8Block;
  if (tensorType(scales).getShape() == ArrayRef<int64_t>{w[0], blocks, w[2]})
    return success();
  return op->emitOpError() << "the scales of an i8 weight " << values.getType()
                           << " must be [" << w[0] << ", " << blocks << ", "
                           << w[2] << "], found " << scales.getType();
}

LogicalResult LinearOp::verify() {
  int64_t group = groupOf(getWeightLayout());
  if (failed(verifyRank(*this, getInput(), "an input", 1, /*atLeast=*/true)) ||
      failed(verifyRank(*this, getWeight(), "a weight",
                        group ? 4
                        : getWeightLayout() == WeightLayout::Panels ? 3
                                                                    : 2)))
    return failure();
  RankedTensorType input = getInput().getType();
  if (group) {
    ArrayRef<int64_t> w = getWeight().getType().getShape();
    int64_t out = getOutFeatures(), in = input.getShape().back();
    int64_t width = getVectorTarget(getOperation()).panelWidth();
    int64_t panels = ShapedType::isDynamic(out) ? out : (out + width - 1) / width;
    int64_t rows = ShapedType::isDynamic(in) ? w[1] : (in + group - 1) / group;
    bool pairs = group == 2;
    Type element = getWeight().getType().getElementType();
    if (!(pairs ? element.isBF16() : element.isInteger(8)) ||
        ShapedType::isDynamic(out) ||
        w != ArrayRef<int64_t>{panels, rows, width, group})
      return emitOpError() << "a " << stringifyWeightLayout(getWeightLayout())
                           << " weight for " << in << " input and " << out
                           << " output features must be "
                           << (pairs ? "bf16" : "i8") << " [" << panels
                           << ", " << rows << ", " << width << ", " << group
                           << "], found " << getWeight().getType();
  }
  if (getWeightLayout() == WeightLayout::Panels) {
    ArrayRef<int64_t> w = getWeight().getType().getShape();
    int64_t out = getOutFeatures();
    int64_t width = getVectorTarget(getOperation()).panelWidth();
    int64_t panels = (out + width - 1) / width;
    if (ShapedType::isDynamic(out) || w[2] != width || w[0] != panels)
      return emitOpError() << "a panels weight for " << out
                           << " output features must be [" 
                           << (ShapedType::isDynamic(out)
                                   ? std::string("?")
                                   : std::to_string(panels))
                           << ", in, " << width << "], found "
                           << getWeight().getType();
  }
  bool int8 = getWeight().getType().getElementType().isInteger(8);
  if (int8 != static_cast<bool>(getScales()))
    return emitOpError() << (int8 ? "an i8 weight needs its scales"
                                  : "only an i8 weight takes scales");
  if (int8) {
    // Panels, blocks of ATTNC_INT8_BLOCK k, width (docs/abi.md).
    if (getWeightLayout() != WeightLayout::Panels &&
        groupOf(getWeightLayout()) != 4)
      return emitOpError() << "an i8 weight must be in layout panels, "
                              "panel_quads or panel_quads_f32, found "
                           << stringifyWeightLayout(getWeightLayout());
    if (failed(verifyInt8Scales(*this, getWeight(), getScales(),
                                getInFeatures())))
      return failure();
  }
  int64_t in = getInFeatures(), out = getOutFeatures();
  int64_t inputFeatures = input.getShape().back();
  if (!compatible(inputFeatures, in))
    return emitOpError() << "input has " << inputFeatures
                         << " features but the weight ("
                         << stringifyWeightLayout(getWeightLayout())
                         << " layout, " << getWeight().getType()
                         << ") expects " << in;
  if (Value bias = getBias()) {
    if (failed(verifyRank(*this, bias, "a bias", 1)))
      return failure();
    int64_t b = tensorType(bias).getDimSize(0);
    if (!compatible(b, out))
      return emitOpError() << "bias has " << b << " elements but the weight has "
                           << out << " output features";
  }
  return success();
}

/// [..., in] -> [..., out].
ShapeRule LinearOp::getShapeRule() {
  ShapeRule rule = operandDims(0, getInput().getType().getRank() - 1);
  rule.push_back(DimRule::size(getOutFeatures()));
  return rule;
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  if (failed(verifyRank(*this, getLhs(), "a left operand", 2, true)) ||
      failed(verifyRank(*this, getRhs(), "a right operand", 2, true)))
    return failure();
  int64_t rank = getLhs().getType().getRank();
  if (getRhs().getType().getRank() != rank)
    return emitOpError() << "expects operands of equal rank, got "
                         << getLhs().getType() << " and " << getRhs().getType();
  for (int64_t i = 0; i < rank - 2; ++i)
    if (failed(verifyDimsAgree(*this, getLhs(), "the left operand", i, getRhs(),
                               "the right operand", i)))
      return failure();
  if (failed(verifyDimsAgree(*this, getLhs(), "the left operand", rank - 1,
                             getRhs(), "the right operand", rank - 2)))
    return failure();
  return success();
}

/// [..., M, K] x [..., K, N] -> [..., M, N].
ShapeRule MatmulOp::getShapeRule() {
  unsigned rank = getLhs().getType().getRank();
  ShapeRule rule = operandDims(0, rank - 1);
  rule.push_back(DimRule::of(1, rank - 1));
  return rule;
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::verify() {
  if (failed(verifyRank(*this, getInput(), "an input", 2, true)))
    return failure();
  return success();
}

/// [..., a, b] -> [..., b, a].
ShapeRule TransposeOp::getShapeRule() {
  unsigned rank = getInput().getType().getRank();
  ShapeRule rule = operandDims(0, rank);
  std::swap(rule[rank - 1], rule[rank - 2]);
  return rule;
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  // transpose(transpose(x)) == x
  if (auto inner = getInput().getDefiningOp<TransposeOp>())
    if (inner.getInput().getType() == getType())
      return inner.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// ScaleOp
//===----------------------------------------------------------------------===//

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  if (getFactor().isExactlyValue(1.0))
    return getInput();
  // scale(scale(x, a), b) == scale(x, a * b), folded in place.
  if (auto inner = getInput().getDefiningOp<ScaleOp>()) {
    float factor = getFactor().convertToFloat() *
                   inner.getFactor().convertToFloat();
    getInputMutable().assign(inner.getInput());
    setFactorAttr(FloatAttr::get(getFactorAttr().getType(), factor));
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// CausalMaskOp, SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult CausalMaskOp::verify() {
  return verifyRank(*this, getInput(), "scores [..., queries, keys]", 2, true);
}

/// The element type of a mask: f32, i32 or i64.
static LogicalResult verifyMaskElement(Operation *op, Value mask) {
  auto maskType = cast<RankedTensorType>(mask.getType());
  Type element = maskType.getElementType();
  if (element.isF32() || element.isInteger(32) || element.isInteger(64))
    return success();
  return op->emitOpError() << "expects an f32, i32 or i64 mask, got "
                           << maskType;
}

LogicalResult PaddingMaskOp::verify() {
  Value scores = getInput(), mask = getMask();
  if (failed(verifyRank(*this, scores, "scores [batch, heads, queries, keys]",
                        4)) ||
      failed(verifyMaskElement(*this, mask)) ||
      failed(verifyRank(*this, mask, "a mask [batch, keys]", 2)) ||
      failed(verifyDimsAgree(*this, mask, "the mask", 0, scores, "the scores",
                             0)) ||
      failed(verifyDimsAgree(*this, mask, "the mask", 1, scores, "the scores",
                             3)))
    return failure();
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyRank(*this, getInput(), "an input", 1, true);
}

namespace {
/// softmax(scale(x, a)) scale s == softmax(x) scale a * s: the lowering
/// multiplies as it reads instead of a pass of its own.
struct FoldScaleIntoSoftmax : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    auto scale = op.getInput().getDefiningOp<ScaleOp>();
    if (!scale || !scale->hasOneUse())
      return failure();
    float factor =
        op.getScale().convertToFloat() * scale.getFactor().convertToFloat();
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(scale.getInput());
      op.setScaleAttr(rewriter.getF32FloatAttr(factor));
    });
    return success();
  }
};
} // namespace

void SoftmaxOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<FoldScaleIntoSoftmax>(context);
}

//===----------------------------------------------------------------------===//
// SplitHeadsOp, MergeHeadsOp
//===----------------------------------------------------------------------===//

LogicalResult SplitHeadsOp::verify() {
  if (failed(verifyRank(*this, getInput(), "an input [batch, seq, features]",
                        3)))
    return failure();
  ArrayRef<int64_t> in = getInput().getType().getShape();
  int64_t heads = getHeads();
  if (ShapedType::isDynamic(in[2]))
    return emitOpError() << "expects a static feature dimension, got "
                         << getInput().getType();
  if (in[2] % heads != 0)
    return emitOpError() << heads << " heads do not divide " << in[2]
                         << " features";
  return success();
}

/// [B, S, H*D] -> [B, H, S, D].
ShapeRule SplitHeadsOp::getShapeRule() {
  int64_t heads = getHeads();
  return {DimRule::of(0, 0), DimRule::size(heads), DimRule::of(0, 1),
          sizeOf(getInput().getType().getDimSize(2), heads,
                 [](int64_t f, int64_t h) { return f / h; })};
}

OpFoldResult SplitHeadsOp::fold(FoldAdaptor) {
  // split_heads(merge_heads(x)) == x when the head counts agree.
  if (auto merge = getInput().getDefiningOp<MergeHeadsOp>())
    if (merge.getInput().getType() == getType())
      return merge.getInput();
  return {};
}

OpFoldResult MergeHeadsOp::fold(FoldAdaptor) {
  // merge_heads(split_heads(x)) == x.
  if (auto split = getInput().getDefiningOp<SplitHeadsOp>())
    if (split.getInput().getType() == getType())
      return split.getInput();
  return {};
}

LogicalResult RepeatKVOp::verify() {
  if (failed(verifyRank(*this, getInput(),
                        "an input [batch, heads, seq, head_dim]", 4)))
    return failure();
  ArrayRef<int64_t> in = getInput().getType().getShape();
  if (ShapedType::isDynamic(in[1]))
    return emitOpError() << "expects a static head dimension, got "
                         << getInput().getType();
  return success();
}

/// [B, G, S, D] -> [B, G*n, S, D].
ShapeRule RepeatKVOp::getShapeRule() {
  return {DimRule::of(0, 0),
          sizeOf(getInput().getType().getDimSize(1),
                 static_cast<int64_t>(getTimes()),
                 [](int64_t g, int64_t n) { return g * n; }),
          DimRule::of(0, 2), DimRule::of(0, 3)};
}

OpFoldResult RepeatKVOp::fold(FoldAdaptor) {
  if (getTimes() == 1 && getInput().getType() == getType())
    return getInput();
  // Head h of repeat_kv(repeat_kv(x, a), b) is head h / b / a of x.
  if (auto inner = getInput().getDefiningOp<RepeatKVOp>()) {
    uint64_t times = getTimes() * inner.getTimes();
    getInputMutable().assign(inner.getInput());
    setTimes(times);
    return getResult();
  }
  return {};
}

LogicalResult MergeHeadsOp::verify() {
  if (failed(verifyRank(*this, getInput(),
                        "an input [batch, heads, seq, head_dim]", 4)))
    return failure();
  ArrayRef<int64_t> in = getInput().getType().getShape();
  if (ShapedType::isDynamic(in[1]) || ShapedType::isDynamic(in[3]))
    return emitOpError() << "expects static head and head_dim dimensions, got "
                         << getInput().getType();
  return success();
}

/// [B, H, S, D] -> [B, S, H*D].
ShapeRule MergeHeadsOp::getShapeRule() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  return {DimRule::of(0, 0), DimRule::of(0, 2),
          sizeOf(in[1], in[3], [](int64_t h, int64_t d) { return h * d; })};
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

/// The product of the static sizes of `shape`; false on overflow.
static bool staticElements(ArrayRef<int64_t> shape, int64_t &count) {
  count = 1;
  for (int64_t d : shape)
    if (!ShapedType::isDynamic(d) && __builtin_mul_overflow(count, d, &count))
      return false;
  return true;
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError() << "expects the same element type, got " << in
                         << " and " << out;
  int64_t inCount, outCount;
  if (!staticElements(in.getShape(), inCount) ||
      !staticElements(out.getShape(), outCount))
    return emitOpError() << "has too many elements: " << in << " -> " << out;
  if (inCount != outCount)
    return emitOpError() << "expects the static sizes to hold as many "
                            "elements: "
                         << inCount << " in " << in << ", " << outCount
                         << " in " << out;
  ArrayRef<int64_t> dims = getDims();
  if (static_cast<int64_t>(dims.size()) != out.getNumDynamicDims())
    return emitOpError() << "expects one entry in 'dims' per dynamic "
                            "dimension of the result ("
                         << out.getNumDynamicDims() << "), got "
                         << dims.size();
  if (in.getNumDynamicDims() != out.getNumDynamicDims())
    return emitOpError() << "expects as many dynamic dimensions in the "
                            "result as in the input, got "
                         << in << " -> " << out;
  SmallVector<bool> used(in.getRank(), false);
  for (int64_t d : dims) {
    if (d < 0 || d >= in.getRank() || !in.isDynamicDim(d))
      return emitOpError() << "expects 'dims' to name dynamic dimensions of "
                              "the input, got "
                           << d << " for " << in;
    if (used[d])
      return emitOpError() << "uses input dimension " << d << " twice";
    used[d] = true;
  }
  return success();
}

/// Static sizes as declared; the k-th dynamic dimension has the size of
/// input dimension dims[k].
ShapeRule ReshapeOp::getShapeRule() {
  ShapeRule rule;
  ArrayRef<int64_t> dims = getDims();
  size_t k = 0;
  for (int64_t size : getType().getShape())
    rule.push_back(ShapedType::isDynamic(size) && k < dims.size()
                       ? DimRule::of(0, dims[k++])
                       : DimRule::declared());
  return rule;
}

/// Whether dynamic dimension k of `type` takes its size from dimension
/// dims[k] of an input of the same shape, for every k: then the reshape
/// changes nothing.
static bool isIdentity(RankedTensorType in, RankedTensorType out,
                       ArrayRef<int64_t> dims) {
  if (in != out)
    return false;
  size_t k = 0;
  for (int64_t d = 0; d < out.getRank(); ++d)
    if (out.isDynamicDim(d) && dims[k++] != d)
      return false;
  return true;
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  // reshape(reshape(x)) == reshape(x): compose the dimension maps.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    RankedTensorType mid = inner.getType();
    SmallVector<int64_t> midDynamic; // k-th dynamic dim of mid -> its index
    for (int64_t d = 0; d < mid.getRank(); ++d)
      if (mid.isDynamicDim(d))
        midDynamic.push_back(d);
    SmallVector<int64_t> composed;
    for (int64_t d : getDims()) {
      auto k = llvm::find(midDynamic, d) - midDynamic.begin();
      composed.push_back(inner.getDims()[k]);
    }
    getInputMutable().assign(inner.getInput());
    setDims(composed);
    if (isIdentity(getInput().getType(), getType(), getDims()))
      return getInput();
    return getResult();
  }
  if (isIdentity(getInput().getType(), getType(), getDims()))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// AttentionOp, AttentionProbsOp
//===----------------------------------------------------------------------===//

/// The checks attn.attention and attn.attention_probs share: query
/// [B, H, Sq, D] and key [B, G, Sk, D] with G dividing H, and an optional
/// [B, Sk] mask.
static LogicalResult verifyQueryKeyMask(Operation *op, Value q, Value k,
                                        Value mask) {
  if (failed(verifyRank(op, q, "a query", 4)) ||
      failed(verifyRank(op, k, "a key", 4)) ||
      failed(verifyDimsAgree(op, q, "the query", 0, k, "the key", 0)) ||
      failed(verifyDimsAgree(op, q, "the query", 3, k, "the key", 3)))
    return failure();
  int64_t heads = tensorType(q).getDimSize(1);
  int64_t kvHeads = tensorType(k).getDimSize(1);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(kvHeads))
    return op->emitOpError("expects static head counts");
  if (heads % kvHeads != 0)
    return op->emitOpError() << kvHeads << " key/value heads do not divide "
                             << heads << " query heads";
  if (!mask)
    return success();
  if (failed(verifyMaskElement(op, mask)) ||
      failed(verifyRank(op, mask, "a mask [batch, keys]", 2)) ||
      failed(verifyDimsAgree(op, mask, "the mask", 0, k, "the key", 0)) ||
      failed(verifyDimsAgree(op, mask, "the mask", 1, k, "the key", 2)))
    return failure();
  return success();
}

/// The variants of attention (KeyVisibility.h): a window of at least one
/// key, over causal attention; ALiBi's slopes, one per (static) head.
template <typename OpT> static LogicalResult verifyVariants(OpT op) {
  auto query = cast<RankedTensorType>(op.getQuery().getType());
  if (op.getAlibi() && (query.getRank() < 2 || query.isDynamicDim(1)))
    return op.emitOpError("expects a static head count with alibi, got ")
           << query;
  IntegerAttr window = op.getWindowAttr();
  if (!window)
    return success();
  if (window.getInt() < 1)
    return op.emitOpError("expects a window of at least 1 key, got ")
           << window.getInt();
  if (!op.getCausal())
    return op.emitOpError("expects 'causal' with a window");
  return success();
}

LogicalResult AttentionOp::verify() {
  Value q = getQuery(), k = getKey(), v = getValue();
  if (failed(verifyVariants(*this)) ||
      failed(verifyQueryKeyMask(*this, q, k, getMask())) ||
      failed(verifyRank(*this, v, "a value", 4)) ||
      failed(verifyDimsAgree(*this, q, "the query", 0, v, "the value", 0)) ||
      failed(verifyDimsAgree(*this, k, "the key", 1, v, "the value", 1)) ||
      failed(verifyDimsAgree(*this, k, "the key", 2, v, "the value", 2)))
    return failure();
  // Both from one KV cache, of one element type.
  if (tensorType(k).getElementType() != tensorType(v).getElementType())
    return emitOpError() << "expects keys and values of one element type, got "
                         << tensorType(k).getElementType() << " and "
                         << tensorType(v).getElementType();
  return success();
}

/// [B, H, Sq, D], [B, G, Sk, D], [B, G, Sk, Dv] -> [B, H, Sq, Dv].
ShapeRule AttentionOp::getShapeRule() {
  ShapeRule rule = operandDims(0, 3);
  rule.push_back(DimRule::of(getValueMutable().getOperandNumber(), 3));
  return rule;
}

namespace {
/// Attention reads each key/value head for every group of query heads
/// itself: attention(q, repeat_kv(k, n), repeat_kv(v, n)) ==
/// attention(q, k, v) with the unrepeated (grouped) heads.
struct ReadUnrepeatedHeads : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    auto key = op.getKey().getDefiningOp<RepeatKVOp>();
    auto value = op.getValue().getDefiningOp<RepeatKVOp>();
    if (!key || !value || key.getTimes() != value.getTimes())
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getKeyMutable().assign(key.getInput());
      op.getValueMutable().assign(value.getInput());
    });
    return success();
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<ReadUnrepeatedHeads>(context);
}

LogicalResult AttentionProbsOp::verify() {
  if (failed(verifyVariants(*this)) ||
      failed(verifyQueryKeyMask(*this, getQuery(), getKey(), getMask())))
    return failure();
  return success();
}

/// [B, H, Sq, D], [B, G, Sk, D] -> [B, H, Sq, Sk].
ShapeRule AttentionProbsOp::getShapeRule() {
  ShapeRule rule = operandDims(0, 3);
  rule.push_back(DimRule::of(getKeyMutable().getOperandNumber(), 2));
  return rule;
}

//===----------------------------------------------------------------------===//
// LayerNormOp, RMSNormOp
//===----------------------------------------------------------------------===//

/// A per-feature vector: 1-D with as many elements as the input's last dim.
static LogicalResult verifyFeatureVector(Operation *op, Value input,
                                         Value vector, StringRef name) {
  if (failed(verifyRank(op, input, "an input", 1, /*atLeast=*/true)) ||
      failed(verifyRank(op, vector, name, 1)))
    return failure();
  int64_t last = tensorType(input).getRank() - 1;
  return verifyDimsAgree(op, vector, name, 0, input, "the input", last);
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyFeatureVector(*this, getInput(), getWeight(), "a weight")) ||
      failed(verifyFeatureVector(*this, getInput(), getBias(), "a bias")))
    return failure();
  return success();
}

LogicalResult RMSNormOp::verify() {
  return verifyFeatureVector(*this, getInput(), getWeight(), "a weight");
}

//===----------------------------------------------------------------------===//
// EmbeddingOp, PositionsOp, SinusoidalOp, RopeOp, SliceOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  bool int8 = getTable().getType().getElementType().isInteger(8);
  if (int8 != static_cast<bool>(getScales()) ||
      int8 != static_cast<bool>(getRowsAttr()))
    return emitOpError() << (int8 ? "an i8 table needs its scales and rows"
                                  : "only an i8 table takes scales and rows");
  if (!int8)
    return verifyRank(*this, getTable(), "a table [vocab, features]", 2);
  // Panels [ceil(V / W), E, W], or the quads of a tied int8 x int8
  // projection [ceil(V / W), ceil(E / 4), W, 4] (docs/abi.md "int8 weights").
  ArrayRef<int64_t> t = getTable().getType().getShape();
  bool quads = t.size() == 4;
  int64_t quad = groupOf(WeightLayout::PanelQuads);
  int64_t features = getType().getShape().back();
  if (quads && (ShapedType::isDynamic(features) || t[3] != quad ||
                t[1] != (features + quad - 1) / quad))
    return emitOpError() << "an i8 table in quads of " << features
                         << " features must be [panels, ceil(" << features
                         << " / 4), width, 4], found " << getTable().getType();
  if ((!quads && failed(verifyRank(*this, getTable(),
                                   "an i8 table [panels, features, width]"
                                   " or quads [panels, features / 4, width, 4]",
                                   3))) ||
      failed(verifyInt8Scales(*this, getTable(), getScales(),
                              quads ? features : t[1])))
    return failure();
  int64_t rows = *getRows();
  if (rows < 1 || ShapedType::isDynamic(t[2]) ||
      t[0] != (rows + t[2] - 1) / t[2])
    return emitOpError() << "an i8 table of " << rows << " rows must be [ceil("
                         << rows << " / width), features, width"
                         << (quads ? ", 4" : "") << "], found "
                         << getTable().getType();
  return success();
}

int64_t EmbeddingOp::getRowCount() {
  if (std::optional<uint64_t> rows = getRows())
    return static_cast<int64_t>(*rows);
  return getTable().getType().getDimSize(0);
}

/// [V, E] table (or [panels, E, width]), ids -> ids.shape + [E]; a table in
/// quads holds ceil(E / 4) rows of 4: E is the result's.
ShapeRule EmbeddingOp::getShapeRule() {
  unsigned ids = getIdsMutable().getOperandNumber();
  ShapeRule rule = operandDims(ids, getIds().getType().getRank());
  rule.push_back(getTable().getType().getRank() == 4
                     ? DimRule::declared()
                     : DimRule::of(getTableMutable().getOperandNumber(), 1));
  return rule;
}

LogicalResult PositionsOp::verify() {
  return verifyRank(*this, getIds(), "ids [batch, seq]", 2);
}

LogicalResult SinusoidalOp::verify() {
  if (failed(verifyRank(*this, getPositions(), "positions [batch, seq]", 2)) ||
      failed(verifyRank(*this, getResult(), "a result", 3)))
    return failure();
  int64_t features = getType().getDimSize(2);
  if (ShapedType::isDynamic(features) || features % 2 != 0)
    return emitOpError() << "expects a static, even number of features, got "
                         << getType();
  return success();
}

/// [B, S] positions -> [B, S, N], N as the result declares.
ShapeRule SinusoidalOp::getShapeRule() {
  ShapeRule rule = operandDims(0, 2);
  rule.push_back(DimRule::declared());
  return rule;
}

LogicalResult RopeOp::verify() {
  if (failed(verifyRank(*this, getInput(),
                        "an input [batch, heads, seq, head_dim]", 4)) ||
      failed(verifyRank(*this, getPositions(), "positions [batch, seq]", 2)))
    return failure();
  int64_t headDim = getInput().getType().getDimSize(3);
  if (ShapedType::isDynamic(headDim) || headDim % 2 != 0)
    return emitOpError() << "expects a static, even head dimension, got "
                         << getInput().getType();
  if (failed(verifyDimsAgree(*this, getInput(), "the input", 0, getPositions(),
                             "the positions", 0)) ||
      failed(verifyDimsAgree(*this, getInput(), "the input", 2, getPositions(),
                             "the positions", 1)))
    return failure();
  return success();
}

LogicalResult SliceOp::verify() {
  if (failed(verifyRank(*this, getInput(), "an input", 1, /*atLeast=*/true)))
    return failure();
  int64_t width = getInput().getType().getShape().back();
  int64_t end = getOffset() + getSize();
  if (ShapedType::isDynamic(width))
    return emitOpError() << "expects a static last dimension, got "
                         << getInput().getType();
  if (end > width)
    return emitOpError() << "slice [" << getOffset() << ", " << end
                         << ") is out of range for " << width << " features";
  return success();
}

/// [..., in] -> [..., size].
ShapeRule SliceOp::getShapeRule() {
  ShapeRule rule = operandDims(0, getInput().getType().getRank() - 1);
  rule.push_back(DimRule::size(getSize()));
  return rule;
}

//===----------------------------------------------------------------------===//
// Images and broadcasting
//===----------------------------------------------------------------------===//

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

/// The numpy broadcast of two sizes: equal, or one of them 1.
static std::optional<int64_t> broadcastSize(int64_t a, int64_t b) {
  if (a == b || b == 1)
    return a;
  if (a == 1)
    return b;
  return std::nullopt;
}

static std::string shapeStr(RankedTensorType t) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleave(
      t.getShape(), os, [&](int64_t d) { os << dimStr(d); }, ", ");
  os << "]";
  return text;
}

LogicalResult ExpandOp::verify() {
  RankedTensorType in = getInput().getType(), like = getLike().getType();
  int64_t rank = std::max(in.getRank(), like.getRank());
  for (int64_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - in.getRank() ? 1 : in.getDimSize(i - rank + in.getRank());
    int64_t b =
        i < rank - like.getRank() ? 1 : like.getDimSize(i - rank + like.getRank());
    if (!broadcastSize(a, b))
      return emitOpError() << "cannot broadcast " << shapeStr(in) << " to "
                           << shapeStr(like) << " (" << dimStr(a) << " vs "
                           << dimStr(b) << ")";
  }
  return success();
}

/// The broadcast of `input` and `like`, aligned at the last dimension: where
/// `input` has a 1 (or no dimension), `like`'s size.
ShapeRule ExpandOp::getShapeRule() {
  RankedTensorType in = getInput().getType(), like = getLike().getType();
  int64_t rank = std::max(in.getRank(), like.getRank());
  int64_t inLead = rank - in.getRank(), likeLead = rank - like.getRank();
  ShapeRule rule;
  for (int64_t d = 0; d < rank; ++d) {
    if (d >= inLead && in.getDimSize(d - inLead) != 1)
      rule.push_back(DimRule::of(0, d - inLead));
    else if (d >= likeLead)
      rule.push_back(DimRule::of(1, d - likeLead));
    else
      rule.push_back(DimRule::size(1));
  }
  return rule;
}

LogicalResult ConcatOp::verify() {
  RankedTensorType a = getLhs().getType(), b = getRhs().getType();
  if (a.getRank() != b.getRank())
    return emitOpError() << "expects operands of one rank, got "
                         << shapeStr(a) << " and " << shapeStr(b);
  int64_t axis = getAxis();
  if (axis >= a.getRank())
    return emitOpError() << "axis " << axis << " is out of range for rank "
                         << a.getRank();
  if (a.isDynamicDim(axis) || b.isDynamicDim(axis))
    return emitOpError() << "expects static sizes along axis " << axis
                         << ", got " << shapeStr(a) << " and " << shapeStr(b);
  for (int64_t i = 0; i < a.getRank(); ++i)
    if (i != axis && !broadcastSize(a.getDimSize(i), b.getDimSize(i)))
      return emitOpError() << "dimension " << i << " differs: " << shapeStr(a)
                           << " and " << shapeStr(b);
  return success();
}

/// The sum of the two sizes along `axis`; elsewhere the broadcast (a 1 of
/// `lhs` takes `rhs`'s size).
ShapeRule ConcatOp::getShapeRule() {
  RankedTensorType a = getLhs().getType(), b = getRhs().getType();
  ShapeRule rule;
  for (int64_t d = 0; d < a.getRank(); ++d) {
    if (d == static_cast<int64_t>(getAxis()))
      rule.push_back(sizeOf(a.getDimSize(d), b.getDimSize(d),
                            [](int64_t x, int64_t y) { return x + y; }));
    else
      rule.push_back(DimRule::of(a.getDimSize(d) == 1 ? 1 : 0, d));
  }
  return rule;
}

LogicalResult SelectOp::verify() {
  RankedTensorType in = getInput().getType();
  int64_t axis = getAxis();
  if (axis >= in.getRank())
    return emitOpError() << "axis " << axis << " is out of range for rank "
                         << in.getRank();
  if (in.isDynamicDim(axis) ||
      static_cast<int64_t>(getIndex()) >= in.getDimSize(axis))
    return emitOpError() << "index " << getIndex()
                         << " needs a static size above it along axis " << axis
                         << ", got " << shapeStr(in);
  return success();
}

/// The input's dimensions but `axis`.
ShapeRule SelectOp::getShapeRule() {
  ShapeRule rule = operandDims(0, getInput().getType().getRank());
  rule.erase(rule.begin() + getAxis());
  return rule;
}

LogicalResult PermuteOp::verify() {
  int64_t rank = getInput().getType().getRank();
  ArrayRef<int64_t> dims = getDims();
  if (static_cast<int64_t>(dims.size()) != rank)
    return emitOpError() << "expects " << rank << " dims, one per dimension "
                         << "of the input, got " << dims.size();
  llvm::SmallVector<bool> seen(rank, false);
  for (int64_t d : dims) {
    if (d < 0 || d >= rank)
      return emitOpError() << "dim " << d << " is out of range for rank "
                           << rank;
    if (seen[d])
      return emitOpError() << "dim " << d << " is listed twice";
    seen[d] = true;
  }
  return success();
}

/// Dimension i of the result is dimension dims[i] of the input.
ShapeRule PermuteOp::getShapeRule() {
  ShapeRule rule;
  for (int64_t d : getDims())
    rule.push_back(DimRule::of(0, d));
  return rule;
}

LogicalResult PatchesOp::verify() {
  if (failed(verifyRank(*this, getInput(), "an input [B, C, H, W]", 4)))
    return failure();
  RankedTensorType in = getInput().getType();
  int64_t p = getSize(), c = in.getDimSize(1), h = in.getDimSize(2),
          w = in.getDimSize(3);
  if (ShapedType::isDynamic(c) || ShapedType::isDynamic(h) ||
      ShapedType::isDynamic(w) || h % p || w % p)
    return emitOpError() << "expects static channels, height and width, "
                            "the last two multiples of "
                         << p << ", got " << shapeStr(in);
  return success();
}

/// [B, C, H, W] -> [B, (H/p) (W/p), C p p].
ShapeRule PatchesOp::getShapeRule() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  int64_t p = getSize();
  return {DimRule::of(0, 0),
          sizeOf(in[2], in[3], [p](int64_t h, int64_t w) {
            return (h / p) * (w / p);
          }),
          sizeOf(in[1], p, [](int64_t c, int64_t q) { return c * q * q; })};
}

/// Rank at least 2.
static LogicalResult verifyLastDimReduction(Operation *op, Value input) {
  return verifyRank(op, input, "an input", 2, /*atLeast=*/true);
}

/// [..., n] -> [...].
static ShapeRule lastDimReductionRule(Value input) {
  return operandDims(0, tensorType(input).getRank() - 1);
}

LogicalResult SumOp::verify() {
  return verifyLastDimReduction(*this, getInput());
}
LogicalResult MeanOp::verify() {
  return verifyLastDimReduction(*this, getInput());
}
LogicalResult MaxOp::verify() {
  return verifyLastDimReduction(*this, getInput());
}
ShapeRule SumOp::getShapeRule() { return lastDimReductionRule(getInput()); }
ShapeRule MeanOp::getShapeRule() { return lastDimReductionRule(getInput()); }
ShapeRule MaxOp::getShapeRule() { return lastDimReductionRule(getInput()); }
