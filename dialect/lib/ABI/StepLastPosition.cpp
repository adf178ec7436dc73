//===- StepLastPosition.cpp - The step entry returns its last position ----===//
//
// What a caller of the step entry reads is the last new token's output: the
// next token's logits, after a prompt as after one token. So each result of
// the step function sized by the new tokens on axis 1 is cut to its last
// row, and the cut moves up through the row-wise ops producing it (the
// logits projection, the final norm): a prompt of S tokens computes one row
// of logits, not S.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/ABI/Passes.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/IR/AttnTraits.h"
#include "attnc/Dialect/Attn/IR/ModelAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Iterators.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace attnc::attn {
#define GEN_PASS_DEF_STEPLASTPOSITION
#include "attnc/Dialect/Attn/ABI/Passes.h.inc"
} // namespace attnc::attn

using namespace mlir;
using namespace attnc;
using namespace attnc::attn;

namespace {

/// The last row of `value` on axis 1, every other axis whole.
tensor::ExtractSliceOp cutLastRow(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(type.isDynamicDim(d)
                        ? OpFoldResult(b.create<tensor::DimOp>(loc, value, d)
                                           .getResult())
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  Value rows = b.create<tensor::DimOp>(loc, value, 1);
  offsets[1] = b.create<arith::SubIOp>(
                    loc, rows, b.create<arith::ConstantIndexOp>(loc, 1))
                   .getResult();
  sizes[1] = b.getIndexAttr(1);
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = 1;
  return b.create<tensor::ExtractSliceOp>(loc, type.clone(shape), value,
                                          offsets, sizes, strides);
}

/// Whether `size` is `tensor.dim %source, d`.
bool isDimOf(OpFoldResult size, Value source, int64_t d) {
  auto value = size.dyn_cast<Value>();
  auto dim = value ? value.getDefiningOp<tensor::DimOp>() : nullptr;
  return dim && dim.getSource() == source && dim.getConstantIndex() == d;
}

/// Whether `slice` is a cut made by cutLastRow.
bool isLastRowCut(tensor::ExtractSliceOp slice) {
  RankedTensorType source = slice.getSourceType(), result = slice.getResultType();
  if (result.getRank() != source.getRank() || result.getRank() < 2 ||
      result.getDimSize(1) != 1 || !slice.hasUnitStride())
    return false;
  auto offset = slice.getMixedOffsets()[1].dyn_cast<Value>();
  auto last = offset ? offset.getDefiningOp<arith::SubIOp>() : nullptr;
  if (!last || !isDimOf(last.getLhs(), slice.getSource(), 1) ||
      getConstantIntValue(last.getRhs()) != 1)
    return false;
  for (int64_t d = 0; d < source.getRank(); ++d) {
    if (d == 1)
      continue;
    if (getConstantIntValue(slice.getMixedOffsets()[d]) != 0 ||
        source.getDimSize(d) != result.getDimSize(d) ||
        (source.isDynamicDim(d) &&
         !isDimOf(slice.getMixedSizes()[d], slice.getSource(), d)))
      return false;
  }
  return true;
}

/// slice(rowwise(x, ...)) -> rowwise(slice(x), ...) for a cut of axis 1
/// that keeps every other axis whole, when the op feeds nothing else.
struct SinkRowSlice : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractSliceOp slice,
                                PatternRewriter &rewriter) const override {
    Operation *producer = slice.getSource().getDefiningOp();
    if (!producer || !producer->hasTrait<attn::OpTrait::RowWise>() ||
        producer->getNumResults() != 1)
      return rewriter.notifyMatchFailure(slice, "not a row-wise producer");
    auto source = slice.getSourceType();
    // Axis 1 must be a row axis, not the last (the features).
    if (source.getRank() < 3 || !isLastRowCut(slice))
      return rewriter.notifyMatchFailure(slice, "not a cut of the last row");
    // The op feeds the cut and, at most, questions about its row axes,
    // which its operand 0 answers the same.
    SmallVector<tensor::DimOp> rowDims;
    for (Operation *user : producer->getResult(0).getUsers()) {
      if (user == slice)
        continue;
      auto dim = dyn_cast<tensor::DimOp>(user);
      std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
      if (!index || *index >= source.getRank() - 1)
        return rewriter.notifyMatchFailure(slice, "the op feeds other ops");
      rowDims.push_back(dim);
    }
    auto input = dyn_cast<TypedValue<RankedTensorType>>(producer->getOperand(0));
    if (!input || input.getType().getRank() != source.getRank())
      return rewriter.notifyMatchFailure(slice, "operand 0 has other rows");

    rewriter.setInsertionPoint(producer);
    Value cut = cutLastRow(rewriter, slice.getLoc(), input);
    Operation *moved = rewriter.clone(*producer);
    moved->setOperand(0, cut);
    moved->getResult(0).setType(slice.getResultType());
    rewriter.replaceOp(slice, moved->getResults());
    for (tensor::DimOp dim : rowDims) {
      rewriter.setInsertionPoint(dim);
      rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, input,
                                                 *dim.getConstantIndex());
    }
    rewriter.eraseOp(producer);
    return success();
  }
};

struct StepLastPositionPass
    : attnc::attn::impl::StepLastPositionBase<StepLastPositionPass> {
  void runOnOperation() override {
    FailureOr<func::FuncOp> found = lookupStepFunction(getOperation());
    if (failed(found))
      return signalPassFailure();
    func::FuncOp step = *found;
    if (!step)
      return;
    // The new tokens' dim: axis 1 of the first input (attnc-kv-cache's rule).
    StringAttr tokens;
    for (unsigned i = 0; i < step.getNumArguments() && !tokens; ++i)
      if (getArgKind(step, i) == kInputKind)
        if (ArrayAttr shape = getArgShape(step, i); shape && shape.size() >= 2)
          tokens = dyn_cast<StringAttr>(shape[1]);
    if (!tokens)
      return;

    auto ret = cast<func::ReturnOp>(step.getBody().front().getTerminator());
    OpBuilder b(ret);
    SmallVector<Type> resultTypes(step.getResultTypes());
    SmallVector<Operation *> cuts;
    for (unsigned i = 0; i < step.getNumResults(); ++i) {
      auto shape = step.getResultAttrOfType<ArrayAttr>(i, kShapeAttr);
      if (step.getResultAttr(i, kLastPositionAttr) || !shape ||
          shape.size() < 2 || shape[1] != tokens)
        continue;
      tensor::ExtractSliceOp cut =
          cutLastRow(b, ret.getLoc(), ret.getOperand(i));
      ret.setOperand(i, cut);
      cuts.push_back(cut);
      resultTypes[i] = cut.getType();
      SmallVector<Attribute> entries(shape.getValue());
      entries[1] = b.getI64IntegerAttr(1);
      step.setResultAttr(i, kShapeAttr, b.getArrayAttr(entries));
      step.setResultAttr(i, kLastPositionAttr, b.getUnitAttr());
    }
    step.setType(
        b.getFunctionType(step.getArgumentTypes(), resultTypes));

    // Only the cuts and what the pattern makes: the rest of the step stays
    // as the earlier passes left it.
    RewritePatternSet patterns(&getContext());
    patterns.add<SinkRowSlice>(&getContext());
    GreedyRewriteConfig config;
    config.strictMode = GreedyRewriteStrictness::ExistingAndNewOps;
    (void)applyOpPatternsAndFold(cuts, std::move(patterns), config);
    // The index arithmetic of the cuts that moved up.
    bool erased = true;
    while (erased) {
      erased = false;
      step.walk<WalkOrder::PostOrder, ReverseIterator>([&](Operation *op) {
        if ((isa<tensor::DimOp, arith::SubIOp, arith::ConstantOp>(op)) &&
            op->use_empty()) {
          op->erase();
          erased = true;
        }
      });
    }
  }
};

} // namespace
