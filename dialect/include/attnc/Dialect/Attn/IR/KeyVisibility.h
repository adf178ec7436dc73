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
//     dividing 0 by 0;
//   - window W (with causal; Mistral's and Hugging Face's sliding window):
//     also j > lastKey(i) - W, so a query sees itself and the W - 1 keys
//     before it. Decoding through the KV cache, the query at absolute
//     position p sees keys p - W + 1 .. p (the cache keeps every key);
//   - alibi: slope(h) * j added to the scaled score of head h (BLOOM's
//     build_alibi_tensor, which adds slope * key position; slope * (j - i)
//     differs from it by a constant per row, which softmax cancels). A key
//     outside the window is -inf even when padded, and a padded key scores
//     the lowest float with or without its bias (>= 0, far below its ulp),
//     so the kernels (padding, then bias and window) and the probabilities
//     (bias and window, then padding) agree.
//
// The rule is written over an arithmetic `A` (add and sub on values `V`),
// so that the same lines count pairs on integers and emit index or vector IR
// in the lowerings.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_KEYVISIBILITY_H
#define ATTNC_DIALECT_ATTN_IR_KEYVISIBILITY_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

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

/// The first key query `row` sees under a window of `window` keys, given its
/// lastKey: lastKey - (window - 1). Before key 0 when the window is longer.
template <typename A, typename V> V firstKey(A &a, V last, V windowLess1) {
  return a.sub(last, windowLess1);
}

/// ALiBi's slope of each of `heads` heads, as transformers'
/// build_alibi_tensor: for the closest power of two n <= heads, slopes
/// base^1 .. base^n with base = 2^(-8/n); the heads beyond n take the odd
/// powers 1, 3, 5, ... of 2^(-4/n) (the slopes of 2n heads in between).
inline std::vector<double> alibiSlopes(int64_t heads) {
  int64_t n = 1;
  while (n * 2 <= heads)
    n *= 2;
  std::vector<double> slopes;
  double base = std::pow(2.0, -8.0 / static_cast<double>(n));
  for (int64_t i = 1; i <= n; ++i)
    slopes.push_back(std::pow(base, static_cast<double>(i)));
  double extra = std::pow(2.0, -4.0 / static_cast<double>(n));
  for (int64_t i = 0; i < heads - n; ++i)
    slopes.push_back(std::pow(extra, static_cast<double>(2 * i + 1)));
  return slopes;
}

/// What a key the padding mask drops scores (see above).
inline constexpr double kPaddedScore = std::numeric_limits<float>::lowest();

/// Plain integers, for counting.
struct IntegerArith {
  int64_t add(int64_t x, int64_t y) const { return x + y; }
  int64_t sub(int64_t x, int64_t y) const { return x - y; }
};

/// The (query, key) pairs causal attention of `queries` x `keys` computes,
/// with a sliding window of `window` keys (0: none).
inline double causalPairs(int64_t queries, int64_t keys, int64_t window = 0) {
  IntegerArith a;
  int64_t offset = keyOffset(a, queries, keys);
  double pairs = 0;
  for (int64_t i = 0; i < queries; ++i) {
    int64_t end = std::min(keys, keyEnd(a, i, offset, int64_t(1)));
    int64_t begin = 0;
    if (window > 0)
      begin = std::max<int64_t>(
          0, firstKey(a, lastKey(a, i, offset), window - 1));
    pairs += static_cast<double>(std::max<int64_t>(0, end - begin));
  }
  return pairs;
}

} // namespace attnc::visibility

#endif // ATTNC_DIALECT_ATTN_IR_KEYVISIBILITY_H
