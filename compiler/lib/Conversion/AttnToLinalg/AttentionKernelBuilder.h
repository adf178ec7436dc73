//===- AttentionKernelBuilder.h - What attention kernels share -*- C++ -*-===//
//
// The base of the flash (FlashAttention.cpp) and split-KV decode
// (FlashDecoding.cpp) kernels: the operands, the current (batch, head), the
// index helpers, reading an element in either head layout, and the one place
// where a kernel asks which keys a query sees (KeyVisibility.h).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CONVERSION_ATTNTOLINALG_ATTENTIONKERNELBUILDER_H
#define ATTNC_CONVERSION_ATTNTOLINALG_ATTENTIONKERNELBUILDER_H

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace attnc::lowering {

class AttentionKernelBuilder {
protected:
  AttentionKernelBuilder(OpBuilder &b, Location loc,
                         const AttentionOperands &ops)
      : b(b), loc(loc), ops(ops), q(ops.query), k(ops.key), v(ops.value),
        mask(ops.mask), heads(ops.heads), group(ops.group),
        dqk(ops.queryKeyDim), dv(ops.valueDim), scale(ops.scale),
        causal(ops.causal), variant(ops.variant),
        mergedOutput(ops.mergedOutput),
        f32(b.getF32Type()) {}

  Value index(int64_t x) {
    return b.create<mlir::arith::ConstantIndexOp>(loc, x);
  }
  Value add(Value x, Value y) {
    return b.create<mlir::arith::AddIOp>(loc, x, y);
  }
  Value sub(Value x, Value y) {
    return b.create<mlir::arith::SubIOp>(loc, x, y);
  }
  Value min(Value x, Value y) {
    return b.create<mlir::arith::MinSIOp>(loc, x, y);
  }
  Value max(Value x, Value y) {
    return b.create<mlir::arith::MaxSIOp>(loc, x, y);
  }
  Value dim(Value t, int64_t d);
  /// The number of query rows (sq) and keys (sk) of the operands.
  Value queryCount() { return dim(q.tensor, q.merged ? 1 : 2); }
  Value keyCount() { return dim(k.tensor, k.merged ? 1 : 2); }
  /// The key/value head that query head `h` reads.
  Value kvHeadOf(Value h);
  /// Makes `h` the current head: sets head, kvHead and (ALiBi) its slope.
  void setHead(Value h);
  /// t[batch, h, row, d] as f32 (a bf16/f16 cache widened), in either head
  /// layout, where h is the current head for queries and its key/value head
  /// for keys and values.
  Value element(const HeadLayout &t, Value h, Value row, Value d);
  /// The indices of t[batch, h, row, d] in `t.tensor` (what element reads).
  llvm::SmallVector<Value> elementIndices(const HeadLayout &t, Value h,
                                          Value row, Value d);

  // Which keys a query sees: the kernels ask only these (KeyVisibility.h).
  /// The position among the keys of query row 0 (Sk - Sq).
  Value keyOffset();
  /// The last key query `row` (an index or a vector of rows) sees, causal.
  Value lastKey(Value row, Value offset);
  /// The first key query `row` does not see, causal.
  Value keyEnd(Value row, Value offset);
  /// The first key a query whose lastKey is `last` (an index) sees: 0, or
  /// with a window its first key, at least 0. Kernels start there.
  Value firstVisibleKey(Value last);
  /// Whether the padding mask lets every query see key `row`.
  Value keyAllowed(Value row);
  /// Whether padding-mask values `x` (one, or a vector of them) let their
  /// keys be seen: nonzero.
  Value maskAllows(Value x);
  /// ALiBi's bias of the current head for key `key`: an index, or a
  /// vector<i64> of keys (a vector of biases).
  Value alibiBias(Value key);
  /// The score of key `key` (an index) for query rows whose lastKey is
  /// `last` (an index, or a vector<i32> of the tile's lanes; null without
  /// causal), after the padding mask: ALiBi's bias added, and -inf outside
  /// the window. `score` is f32 or a vector of it.
  Value visibleScore(Value score, Value last, Value key);

  OpBuilder &b;
  Location loc;
  const AttentionOperands &ops;
  HeadLayout q, k, v;
  Value mask;
  int64_t heads, group, dqk, dv;
  double scale;
  bool causal;
  AttentionVariant variant;
  bool mergedOutput;
  mlir::Type f32;
  /// Query rows and keys, once the kernel has read them.
  Value sq, sk;
  // The current (batch, head), its key/value head and ALiBi slope.
  Value batch, head, kvHead, slope;
};

} // namespace attnc::lowering

#endif // ATTNC_CONVERSION_ATTNTOLINALG_ATTENTIONKERNELBUILDER_H
