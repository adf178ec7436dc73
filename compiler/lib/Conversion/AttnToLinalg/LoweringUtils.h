//===- LoweringUtils.h - Builders shared by attn-to-linalg patterns -*- C++ -*-===//
//
// Small builders of linalg.generic ops on tensors, shared by the pattern files
// of the attn-to-linalg conversion. Dynamic sizes are OpFoldResults taken
// from operands (tensor::getMixedSizes).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CONVERSION_ATTNTOLINALG_LOWERINGUTILS_H
#define ATTNC_CONVERSION_ATTNTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

namespace attnc::lowering {

using mlir::AffineMap;
using mlir::ArrayRef;
using mlir::Location;
using mlir::OpBuilder;
using mlir::OpFoldResult;
using mlir::SmallVector;
using mlir::Value;
using mlir::ValueRange;

using ScalarBody =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A `tensor.empty` of `sizes` with element type `elementType` (f32 if null).
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  mlir::Type elementType = {});
Value floatConstant(OpBuilder &b, Location loc, double value);
/// A tensor of `sizes` filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   double value);
/// A map over `numLoops` loops selecting the loops listed in `dims`.
AffineMap selectDims(mlir::MLIRContext *ctx, unsigned numLoops,
                     ArrayRef<unsigned> dims);
/// [begin, end)
SmallVector<unsigned> range(unsigned begin, unsigned end);

/// An elementwise generic over `resultSizes`: every input is read with its
/// own map (identity unless given), and `body` computes the result element.
Value buildElementwise(OpBuilder &b, Location loc,
                       ArrayRef<OpFoldResult> resultSizes, ValueRange inputs,
                       ArrayRef<AffineMap> inputMaps, ScalarBody body,
                       mlir::Type resultElementType = {});

/// out[i] = input[map(i)] over `resultSizes`: a transpose, head split or
/// merge, or repeat written as an index map, which linalg's elementwise
/// fusion can fold into a single consumer.
Value buildIndexedRead(OpBuilder &b, Location loc,
                       ArrayRef<OpFoldResult> resultSizes, Value input,
                       AffineMap map);
/// out[batch..., m, n] (+)= sum_k lhs[...] * rhs[...] over loops
/// (batch..., m, n, k); `init` holds the accumulator's initial value. A
/// narrower float `rhs` (a bf16/f16 weight) is widened to lhs's type; an
/// i8 `rhs` (int8 panels) is converted and multiplied by its `scales`
/// (read by `scalesMap`), the kernels' third input (Contraction.h). With
/// `roundLhs`, each lhs element is rounded to bf16 first (panel_pairs), or
/// with an int8 `rhs` lhs is quantized per block (panel_quads: the op
/// carries kQuantizeLhsAttr).
Value buildContraction(OpBuilder &b, Location loc, Value lhs, AffineMap lhsMap,
                       Value rhs, AffineMap rhsMap, Value init,
                       Value scales = {}, AffineMap scalesMap = {},
                       bool roundLhs = false);
/// Batched lhs[..., m, k] x rhs[..., k, n] (rhs[..., n, k] if transposed).
Value buildBatchedMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         bool transposeRhs, ArrayRef<OpFoldResult> outSizes);
/// What attention adds to the causal and padding masks (KeyVisibility.h):
/// a sliding window of `window` keys (0: none) and ALiBi's biases.
struct AttentionVariant {
  int64_t window = 0;
  bool alibi = false;
  /// The variant of an attn.attention or attn.attention_probs.
  template <typename OpT> static AttentionVariant of(OpT op) {
    return {static_cast<int64_t>(op.getWindow().value_or(0)), op.getAlibi()};
  }
};
/// ALiBi's slope of each of `heads` heads, as a constant tensor<heads x f32>.
Value alibiSlopes(OpBuilder &b, Location loc, int64_t heads);
/// Scores [..., q, k]: scaled, and with `causal` entries k > q + (keys -
/// queries) set to -inf; `variant`'s window and biases applied (a bias needs
/// the head count, dimension rank - 3, static).
Value buildScaleAndCausalMask(OpBuilder &b, Location loc, Value scores,
                              double scale, bool causal,
                              AttentionVariant variant = {});
/// A reduction over the last dimension of `input` (extra inputs are read at
/// the reduced index) into [...], starting from `initValue`.
Value buildLastDimReduction(OpBuilder &b, Location loc, Value input,
                            double initValue, ArrayRef<Value> extraInputs,
                            ScalarBody combine);
/// Scores [B, H, q, k]: entries of keys whose `mask` [B, k] (integer or
/// f32) is 0 become the lowest finite float (-inf stays -inf), as Hugging
/// Face's additive mask makes them.
Value buildPaddingMask(OpBuilder &b, Location loc, Value scores, Value mask);
/// exp(s x - max) / sum(exp(s x - max)) over the last dimension, s = `scale`.
Value buildSoftmax(OpBuilder &b, Location loc, Value input,
                   double scale = 1.0);
/// An operand of attention, [B, H, S, D], or (`merged`) the [B, S, H * D]
/// tensor that attn.split_heads would split: read in place, with no copy.
struct HeadLayout {
  Value tensor;
  bool merged = false;
  int64_t heads = 1;
  int64_t headDim() const;
};
struct AttentionOperands {
  HeadLayout query, key, value;
  /// [B, Sk], integer or f32, nonzero for keys that may be attended to; or
  /// null.
  Value mask;
  /// Query heads, and query heads per key/value head.
  int64_t heads, group;
  int64_t queryKeyDim, valueDim;
  double scale;
  bool causal;
  AttentionVariant variant;
  /// Produce [B, Sq, H * Dv] (what attn.merge_heads makes of the result).
  bool mergedOutput;
};
/// softmax(scale * q k^T, causal mask) v, computed tile by tile with an
/// online softmax, never materializing the scores (FlashAttention.cpp).
Value buildFlashAttention(OpBuilder &b, Location loc,
                          const AttentionOperands &operands);
/// The decode form of flash attention (FlashDecoding.cpp): the keys split
/// into chunks computed in parallel, then merged. Writes all of `out` when
/// `enabled` (an i1; null: always), else leaves it as it is. At most
/// `maxQueries` query rows.
Value buildFlashDecoding(OpBuilder &b, Location loc,
                         const AttentionOperands &operands, Value out,
                         Value enabled, int64_t maxQueries);
/// The attention probabilities [B, H, Sq, Sk] of query [B, H, Sq, D] and
/// key [B, H / group, Sk, D]: softmax over keys of `scale` * q . k with
/// causal (`causal`, as -inf) and padding (`mask` [B, Sk], null for none;
/// zero entries drop their key, as buildPaddingMask) masks applied. Query
/// head h reads key head h floordiv group.
Value buildAttentionProbs(OpBuilder &b, Location loc, Value query, Value key,
                          Value mask, double scale, bool causal,
                          int64_t group, AttentionVariant variant = {});
/// The part [offset, offset + size) of `x` along `axis`, every other
/// dimension whole (slice, select). With `type`, the rank-reducing slice of
/// that type: select's, without the axis.
Value extractAxisSlice(OpBuilder &b, Location loc, Value x, int64_t axis,
                       int64_t offset, int64_t size,
                       mlir::RankedTensorType type = {});
/// Replaces `op` by `value`, casting when the op declared a less static type.
void replaceWithCast(mlir::ConversionPatternRewriter &rewriter,
                     mlir::Operation *op, Value value);

} // namespace attnc::lowering

#endif // ATTNC_CONVERSION_ATTNTOLINALG_LOWERINGUTILS_H
