//===- KeyVisibility.h - Which keys a query of attention sees -*- C++ -*-===//
//
// The one definition of attention's masks, for every path that computes
// attention: the probabilities (LoweringUtils.cpp), the flash kernel
// (FlashAttention.cpp), the split-KV decode kernel (FlashDecoding.cpp) and
// the cost model (ModelCost.cpp). Query row i of Sq sees key j of Sk when
//
//   - causal: j <= i + (Sk - Sq). The queries are the last Sq of the Sk
//     positions (the new tokens after Sk - Sq cached ones), so Sk == Sq is
//     the usual lower triangle;
//   - padding: the mask's [batch, j] is nonzero. A dropped key scores the
//     lowest finite float rather than -inf, as Hugging Face's additive mask
//     makes it, so that a row of only padding averages its keys instead of
//     dividing 0 by 0.
//
// A sliding window (also j > i + (Sk - Sq) - W) or an additive bias is one
// more term here. The rule is written over an arithmetic `A` (add and sub
// on values `V`), so that the same lines count pairs on integers and emit
// index or vector IR in the lowerings.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_KEYVISIBILITY_H
#define ATTNC_DIALECT_ATTN_IR_KEYVISIBILITY_H

#include <algorithm>
#include <cstdint>
#include <limits>

namespace attnc::visibility {

/// The position among the keys of query row 0: Sk - Sq.
template <typename A, typename V> V keyOffset(A &a, V queries, V keys) {
  return a.sub(keys, queries);
}

/// The last key a causal query `row` sees (inclusive), given keyOffset.
template <typename A, typename V> V lastKey(A &a, V row, V offset) {
  return a.add(row, offset);
}

/// The first key a causal query `row` does not see: lastKey + 1.
template <typename A, typename V> V keyEnd(A &a, V row, V offset, V one) {
  return a.add(row, a.add(offset, one));
}

/// What a key the padding mask drops scores (see above).
inline constexpr double kPaddedScore = std::numeric_limits<float>::lowest();

/// Plain integers, for counting.
struct IntegerArith {
  int64_t add(int64_t x, int64_t y) const { return x + y; }
  int64_t sub(int64_t x, int64_t y) const { return x - y; }
};

/// The (query, key) pairs causal attention of `queries` x `keys` computes.
inline double causalPairs(int64_t queries, int64_t keys) {
  IntegerArith a;
  int64_t offset = keyOffset(a, queries, keys);
  double pairs = 0;
  for (int64_t i = 0; i < queries; ++i)
    pairs += static_cast<double>(std::max<int64_t>(
        0, std::min(keys, keyEnd(a, i, offset, int64_t(1)))));
  return pairs;
}

} // namespace attnc::visibility

#endif // ATTNC_DIALECT_ATTN_IR_KEYVISIBILITY_H
