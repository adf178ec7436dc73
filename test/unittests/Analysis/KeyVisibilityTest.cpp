//===- KeyVisibilityTest.cpp - The causal rule against a naive count ------===//
#include "attnc/Dialect/Attn/IR/KeyVisibility.h"

#include <gtest/gtest.h>

namespace {

/// The pairs (i, j) with key j at or before query i's position, the queries
/// being the last `sq` of `sk` positions: counted one by one.
double naivePairs(int64_t sq, int64_t sk) {
  double pairs = 0;
  for (int64_t i = 0; i < sq; ++i) {
    int64_t position = sk - sq + i;
    for (int64_t j = 0; j < sk; ++j)
      pairs += j <= position ? 1 : 0;
  }
  return pairs;
}

TEST(KeyVisibilityTest, CausalPairsMatchACountOfVisiblePairs) {
  // Square (prefill), one query over a cache (decode), several new tokens
  // over a cache (split-KV), and more queries than keys (rows that see
  // nothing).
  for (auto [sq, sk] : {std::pair<int64_t, int64_t>{1, 1}, {7, 7}, {1, 9},
                        {3, 10}, {16, 100}, {5, 3}, {0, 4}})
    EXPECT_EQ(attnc::visibility::causalPairs(sq, sk), naivePairs(sq, sk))
        << "sq=" << sq << " sk=" << sk;
}

TEST(KeyVisibilityTest, LastKeyIsTheQueryPositionAmongTheKeys) {
  attnc::visibility::IntegerArith a;
  int64_t offset = attnc::visibility::keyOffset(a, int64_t(3), int64_t(10));
  EXPECT_EQ(offset, 7);
  EXPECT_EQ(attnc::visibility::lastKey(a, int64_t(0), offset), 7);
  EXPECT_EQ(attnc::visibility::keyEnd(a, int64_t(2), offset, int64_t(1)), 10);
}

} // namespace
